-- The execuções of the web page's "Iniciar coleta" (procurement_spiders/web/jobs.py): the queue of
-- sources (PGC -> Formação do PCA -> PNCP, one scrapyd job at a time) lives here, not in the web
-- process, so a restart of the web app continues it and every web process sees the same one.
--
-- The passos are rows of their own, not a JSONB list in the execução: each is written on its own
-- (its job id once scheduled, its state at each poll), its state is CHECKed, and its job_id is the
-- key the page joins with coletas.job_id.
CREATE TABLE execucoes (
    id             BIGSERIAL PRIMARY KEY,
    ano            INTEGER NOT NULL,
    orgao_cnpj     CHAR(14),
    uasg           CHAR(6),
    usuario        TEXT NOT NULL,           -- who started it
    iniciada_em    TIMESTAMPTZ NOT NULL DEFAULT now(),
    cancelada_em   TIMESTAMPTZ,             -- a cancel asked (scrapyd cancel: graceful)
    cancelada_por  TEXT,
    terminada_em   TIMESTAMPTZ,             -- every passo done; NULL while the execução is active
    CHECK ((cancelada_em IS NULL) = (cancelada_por IS NULL))
);
-- At most one active execução, whatever the number of web processes: a second INSERT while one is
-- active fails (the loser of two concurrent clicks waits for the winner's commit, then fails).
CREATE UNIQUE INDEX execucoes_uma_ativa_idx ON execucoes ((terminada_em IS NULL)) WHERE terminada_em IS NULL;

CREATE TABLE execucao_passos (
    execucao_id    BIGINT NOT NULL REFERENCES execucoes (id) ON DELETE CASCADE,
    ordem          SMALLINT NOT NULL,       -- 0, 1, 2: the order the sources run in
    fonte          TEXT NOT NULL CHECK (fonte IN ('PGC', 'FORMACAO', 'PNCP')),
    spider         TEXT NOT NULL,
    args           JSONB NOT NULL,          -- the spider arguments, {"ano": "2025", ...}
    job_id         TEXT UNIQUE,             -- scrapyd's job, once scheduled
    estado         TEXT NOT NULL DEFAULT 'aguardando'
                   CHECK (estado IN ('aguardando', 'pending', 'running', 'finished', 'cancelado', 'erro')),
    erro           TEXT,                    -- why it was not started
    atualizado_em  TIMESTAMPTZ NOT NULL DEFAULT now(),
    PRIMARY KEY (execucao_id, ordem)
);
