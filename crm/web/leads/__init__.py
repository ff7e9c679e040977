"""Leads (线索) for executors and supervisors, and new/old attribution on the company page."""
