"""Scheduled jobs declared as data, run by APScheduler (arrives with the scheduler issue)."""
