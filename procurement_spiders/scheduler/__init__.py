"""Recurring crawls: a schedule file (cron expression -> spider + arguments) fired into scrapyd.

Run with `python -m procurement_spiders.scheduler --schedule schedules.toml`; see
`procurement_spiders.scheduler.schedule` for the file format and docs/operations.md for operators.
"""
