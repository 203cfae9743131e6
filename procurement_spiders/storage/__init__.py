"""PostgreSQL without Scrapy: migrations, the coleta and demandas SQL, jsonb-safe JSON, the reaper, summaries."""
