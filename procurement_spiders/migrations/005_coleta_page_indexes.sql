-- The web app's coleta page sorts, filters and searches one coleta's demandas (100,000 and more)
-- a page at a time: per-coleta indexes for the sortable columns and the situation filter, and a
-- trigram index for the search box (ILIKE '%…%' over the text a planner searches).
-- Empty values sort as the smallest (NULLS FIRST), so one index serves both directions: ascending
-- reads it forward, descending (NULLS LAST) backward. The search expression must stay identical to
-- `_search_text()` in procurement_spiders/web/queries.py.
CREATE EXTENSION IF NOT EXISTS pg_trgm;

CREATE INDEX demandas_coleta_valor_idx ON demandas (coleta_id, valor NULLS FIRST);
CREATE INDEX demandas_coleta_status_idx ON demandas (coleta_id, status NULLS FIRST);
CREATE INDEX demandas_coleta_inicio_idx ON demandas (coleta_id, data_inicio NULLS FIRST);
CREATE INDEX demandas_coleta_dfd_idx ON demandas (coleta_id, dfd NULLS FIRST);
CREATE INDEX demandas_busca_trgm_idx ON demandas USING gin (
    (coalesce(descricao, '') || ' ' || chave || ' ' || coalesce(dfd, '') || ' ' || coalesce(contratacao, '')
     || ' ' || coalesce(requisitante, '')) gin_trgm_ops);
