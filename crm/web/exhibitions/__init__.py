"""Shows and their exhibitors: list, show page, edit forms."""
