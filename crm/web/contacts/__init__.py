"""Contacts: list and search, contact page, edit forms."""
