"""Downloader middlewares: the browser pool (selenium), 429/5xx backoff, same-host redirects, per-host concurrency."""
