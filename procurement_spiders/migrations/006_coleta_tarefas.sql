-- The completion ledger of a national coleta (spider pncp_nacional), shared by every worker.
-- A task is a unit of the crawl that the shared queue carries: a page of the national PCA
-- listing, an órgão's list of plans, or one plan. A task is written 'pendente' before its
-- request is queued and becomes 'feita' once its work is done; a plan becomes 'feita' in the
-- same transaction that COPYs its demandas, so a plan read twice (a dead worker's request
-- queued again) is stored once. The coleta is complete when no task is pending.
CREATE TABLE coleta_tarefas (
    coleta_id   BIGINT NOT NULL REFERENCES coletas (id) ON DELETE CASCADE,
    chave       TEXT NOT NULL,           -- 'busca:<pagina>', 'orgao:<cnpj>:<pagina>', 'plano:<cnpj>:<sequencial>'
    tipo        TEXT NOT NULL CHECK (tipo IN ('busca', 'orgao', 'plano')),
    estado      TEXT NOT NULL DEFAULT 'pendente' CHECK (estado IN ('pendente', 'feita')),
    dados       JSONB NOT NULL DEFAULT '{}'::jsonb,  -- what rebuilds the task's request
    worker      TEXT,                    -- the worker that did it
    demandas    INTEGER,                 -- plan tasks: demandas stored
    valor       NUMERIC(20, 2),          -- plan tasks: their sum
    criada_em   TIMESTAMPTZ NOT NULL DEFAULT now(),
    feita_em    TIMESTAMPTZ,
    PRIMARY KEY (coleta_id, chave),
    CHECK ((estado = 'feita') = (feita_em IS NOT NULL))
);
CREATE INDEX coleta_tarefas_pendentes_idx ON coleta_tarefas (coleta_id, criada_em) WHERE estado = 'pendente';

-- Each worker's own statistics and anomalies for the shared coleta, merged into coletas.dados
-- when the coleta closes.
CREATE TABLE coleta_workers (
    coleta_id      BIGINT NOT NULL REFERENCES coletas (id) ON DELETE CASCADE,
    worker         TEXT NOT NULL,
    dados          JSONB NOT NULL DEFAULT '{}'::jsonb,
    atualizado_em  TIMESTAMPTZ NOT NULL DEFAULT now(),
    PRIMARY KEY (coleta_id, worker)
);
