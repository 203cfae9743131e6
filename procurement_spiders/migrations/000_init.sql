-- Coletas (collection runs) and the demandas each one stored.
CREATE TABLE coletas (
    id              BIGSERIAL PRIMARY KEY,
    fonte           TEXT NOT NULL CHECK (fonte IN ('PGC', 'PNCP')),
    data_coleta     TIMESTAMPTZ NOT NULL DEFAULT now(),
    ano_referencia  INTEGER NOT NULL CHECK (ano_referencia BETWEEN 2021 AND 2100),
    dados           JSONB NOT NULL DEFAULT '{}'::jsonb,
    status          TEXT NOT NULL DEFAULT 'running' CHECK (status IN ('running', 'success', 'error')),
    spider          TEXT NOT NULL,
    job_id          TEXT,
    orgao_cnpj      CHAR(14) CHECK (orgao_cnpj ~ '^[0-9]{14}$'),
    finished_at     TIMESTAMPTZ,
    CHECK ((status = 'running') = (finished_at IS NULL))
);
CREATE INDEX coletas_fonte_ano_idx ON coletas (fonte, ano_referencia, data_coleta DESC);

CREATE TABLE demandas (
    id              BIGSERIAL PRIMARY KEY,
    coleta_id       BIGINT NOT NULL REFERENCES coletas (id) ON DELETE CASCADE,
    chave           TEXT NOT NULL,          -- natural key of the demanda within its coleta
    dfd             TEXT CHECK (dfd ~ '^[1-9][0-9]{0,5}/[0-9]{4}$'),
    contratacao     TEXT,                   -- "Contratação futura" id, UASG-número/ano
    descricao       TEXT,
    valor           NUMERIC(15, 2),
    data_inicio     DATE,
    data_fim        DATE,
    data_desejada   DATE,
    data_conclusao  DATE,
    status          TEXT,
    categoria       TEXT,
    requisitante    TEXT,
    uasg            CHAR(6) CHECK (uasg ~ '^[0-9]{6}$'),
    orgao_cnpj      CHAR(14) CHECK (orgao_cnpj ~ '^[0-9]{14}$'),
    detalhes        JSONB,
    UNIQUE (coleta_id, chave)
);
CREATE INDEX demandas_dfd_idx ON demandas (dfd);
CREATE INDEX demandas_contratacao_idx ON demandas (contratacao);
