"""Venues and their halls: list, venue page, edit forms."""
