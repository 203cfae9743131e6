"""The web app the planning team uses (issue 11): start and watch coletas, read and download reports.

`python -m procurement_spiders.web` (or `make web`) serves it with uvicorn at API_HOST:API_PORT.
Users and their hashes are parsed in `procurement_spiders.parsing.web_users` (config.py checks them).
"""
