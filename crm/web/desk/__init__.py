"""The executor's desk (我的工作台): leads by next step, this week's visits, materials."""
