"""Scheduled jobs: definitions (enable, cron, run now) and the run history, for admin and GM."""
