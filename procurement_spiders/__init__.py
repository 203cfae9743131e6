"""procurement_spiders: the PCA (annual procurement plan) of Brazilian órgãos, from PGC and PNCP
into PostgreSQL coletas, with reports and a web app on top."""
