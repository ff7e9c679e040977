"""Industry media (行业媒体): list, page, profile edits, new media company."""
