"""Telesales and supervisor dashboards: calls, reach, outcomes, leads and visits per week."""
