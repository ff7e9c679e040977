"""Scheduled jobs: declared as data (data/jobs.yaml → job_definitions), run by APScheduler.

- runner.py: carry out one run of a job and record it (JobRun), for the scheduler and for
  `crm jobs run NAME` / the admin page's "run now".
- scheduler.py: the `crm jobs start` process — a leader lease in the database so that one
  process fires jobs however many are started, APScheduler with its job store in the same
  database, definitions synced from the table.
- crawl.py: a crawl source's `schedule` as a job.

Jobs never import crm.web.
"""
