"""Country pavilions: list, pavilion page, edit forms."""
