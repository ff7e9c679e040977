"""Scrapy project: spiders feed crm.services.ingest (arrives with the crawler issue)."""
