-- A finished coleta is a closed record: no demandas may be added to it, changed or removed,
-- and its status cannot go back to running or switch between success and error.
-- Statement-level triggers with transition tables, so a COPY of 100,000 rows checks once.

CREATE FUNCTION demandas_reject_finished_coleta() RETURNS trigger AS $$
DECLARE
    closed RECORD;
BEGIN
    IF TG_OP = 'INSERT' THEN
        SELECT c.id, c.status INTO closed FROM coletas c
         WHERE c.id IN (SELECT DISTINCT coleta_id FROM new_rows) AND c.status <> 'running' LIMIT 1;
    ELSIF TG_OP = 'UPDATE' THEN
        SELECT c.id, c.status INTO closed FROM coletas c
         WHERE c.id IN (SELECT coleta_id FROM old_rows UNION SELECT coleta_id FROM new_rows)
           AND c.status <> 'running' LIMIT 1;
    ELSE
        -- Rows whose coleta is gone are a cascaded delete of the coleta itself: allowed.
        SELECT c.id, c.status INTO closed FROM coletas c
         WHERE c.id IN (SELECT DISTINCT coleta_id FROM old_rows) AND c.status <> 'running' LIMIT 1;
    END IF;
    IF FOUND THEN
        RAISE EXCEPTION 'coleta % is %: its demandas cannot change', closed.id, closed.status
            USING ERRCODE = 'check_violation';
    END IF;
    RETURN NULL;
END;
$$ LANGUAGE plpgsql;

CREATE TRIGGER demandas_insert_into_running_coleta
    AFTER INSERT ON demandas REFERENCING NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION demandas_reject_finished_coleta();
CREATE TRIGGER demandas_update_in_running_coleta
    AFTER UPDATE ON demandas REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION demandas_reject_finished_coleta();
CREATE TRIGGER demandas_delete_from_running_coleta
    AFTER DELETE ON demandas REFERENCING OLD TABLE AS old_rows
    FOR EACH STATEMENT EXECUTE FUNCTION demandas_reject_finished_coleta();

CREATE FUNCTION coletas_status_transition() RETURNS trigger AS $$
BEGIN
    IF OLD.status <> 'running' AND NEW.status IS DISTINCT FROM OLD.status THEN
        RAISE EXCEPTION 'coleta % is already %: its status cannot change to %',
            OLD.id, OLD.status, NEW.status USING ERRCODE = 'check_violation';
    END IF;
    IF OLD.status = 'running' AND NEW.status <> 'running' AND NEW.finished_at IS NULL THEN
        NEW.finished_at := now();
    END IF;
    RETURN NEW;
END;
$$ LANGUAGE plpgsql;

CREATE TRIGGER coletas_status_transition
    BEFORE UPDATE ON coletas
    FOR EACH ROW EXECUTE FUNCTION coletas_status_transition();
