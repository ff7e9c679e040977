"""The Monday meeting report (周会报表): page, Excel export and printable page."""
