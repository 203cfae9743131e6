"""The national crawl (spider `pncp_nacional`): every órgão's PCA of a year, shared by workers.

ledger.py: the coleta and its completion ledger in PostgreSQL; queue.py: the scrapy-redis
scheduler with claims; spiders/pncp_plan_reader.py: the single-órgão plan logic bound to one plan; store.py: a
plan's demandas stored once.
"""
