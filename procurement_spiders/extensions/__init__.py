"""Scrapy extensions of the project: the coleta's record (coleta.py) and progress lines (progress.py)."""
