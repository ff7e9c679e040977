"""Visits (面洽) and visit reports (面洽客户报告): pages made for a phone on site."""
