-- The coleta page reads one page of a coleta's demandas in two steps (queries.py, DemandasQuery):
-- the ids of the page, then those 50 rows. The first step skips OFFSET rows; with these indexes
-- it never visits the table: each holds the sort column, the id tie-breaker (so the order is the
-- index's, with no sort step) and the situação the page may filter on (INCLUDE), an index-only
-- scan. Migration 005's indexes had neither id nor status, so a deep page (1,500 of 2,000) read
-- 75,000 table rows, and a filtered page every row it skipped. Every sortable column has one
-- (descrição, categoria and fim had none: each such page sorted all 100,000 rows). Descrição is
-- free text of any length and a B-tree entry must fit a third of a page: its index, and the
-- page's sort, take its first 200 characters (then the id, as for every column). PostgreSQL reads
-- an index on an expression only together with the table (no index-only scan), so that one does
-- not INCLUDE the situação: its first pages are as fast, its deep pages visit the rows skipped.
-- Empty values sort as the smallest (NULLS FIRST), so one index serves both directions.
DROP INDEX demandas_coleta_valor_idx;
DROP INDEX demandas_coleta_status_idx;
DROP INDEX demandas_coleta_inicio_idx;
DROP INDEX demandas_coleta_dfd_idx;

CREATE INDEX demandas_pagina_chave_idx ON demandas (coleta_id, chave, id) INCLUDE (status);
CREATE INDEX demandas_pagina_dfd_idx ON demandas (coleta_id, dfd NULLS FIRST, id) INCLUDE (status);
CREATE INDEX demandas_pagina_descricao_idx ON demandas (coleta_id, left(descricao, 200) NULLS FIRST, id);
CREATE INDEX demandas_pagina_valor_idx ON demandas (coleta_id, valor NULLS FIRST, id) INCLUDE (status);
CREATE INDEX demandas_pagina_status_idx ON demandas (coleta_id, status NULLS FIRST, id);
CREATE INDEX demandas_pagina_inicio_idx ON demandas (coleta_id, data_inicio NULLS FIRST, id) INCLUDE (status);
CREATE INDEX demandas_pagina_fim_idx ON demandas (coleta_id, data_fim NULLS FIRST, id) INCLUDE (status);
CREATE INDEX demandas_pagina_categoria_idx ON demandas (coleta_id, categoria NULLS FIRST, id) INCLUDE (status);
