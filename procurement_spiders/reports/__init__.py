"""Reports read from `coletas` / `demandas`: reconciliation (geral), change tracking (mudancas) and
the Excel workbook. Read side only, on SQLAlchemy Core; the COPY write path stays on psycopg."""
