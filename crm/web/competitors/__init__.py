"""Competitors (展览同行): list, page, profile edits, new competitor."""
