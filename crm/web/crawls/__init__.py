"""Crawls: crawl sources, their runs and reports, for the market-expansion supervisor."""
