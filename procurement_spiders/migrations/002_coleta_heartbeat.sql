-- A running crawl touches its coleta's heartbeat every COLETA_HEARTBEAT_INTERVAL seconds; a
-- running coleta whose heartbeat is older than COLETA_HEARTBEAT_TIMEOUT has no crawl behind it
-- (killed, machine lost, database gone) and the reaper closes it as 'error', the reason in
-- dados->'interrupcao' (procurement_spiders/storage/reaper.py). The status set and the
-- transition rules of 001 stay as they are: running -> success | error, once.
ALTER TABLE coletas ADD COLUMN heartbeat_at TIMESTAMPTZ;
UPDATE coletas SET heartbeat_at = coalesce(finished_at, data_coleta);
ALTER TABLE coletas ALTER COLUMN heartbeat_at SET DEFAULT now();
ALTER TABLE coletas ALTER COLUMN heartbeat_at SET NOT NULL;
CREATE INDEX coletas_running_heartbeat_idx ON coletas (heartbeat_at) WHERE status = 'running';

-- The data a summary or report may count: demandas of coletas that succeeded, never those of a
-- coleta still running, failed or interrupted.
CREATE VIEW demandas_validas AS
SELECT d.*
  FROM demandas d
  JOIN coletas c ON c.id = d.coleta_id
 WHERE c.status = 'success';
