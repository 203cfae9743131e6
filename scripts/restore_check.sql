-- Appended by scripts/restore.sh after the dump, inside the same transaction: a restore that does
-- not leave the project's schema whole (migrations recorded, keys, foreign key, triggers) raises
-- here, and psql rolls the whole restore back.
DO $restore_check$
DECLARE
    missing text[] := ARRAY[]::text[];
BEGIN
    IF to_regclass('public.schema_migrations') IS NULL THEN
        RAISE EXCEPTION 'restore check: the dump has no schema_migrations table (not a project backup)';
    END IF;
    IF NOT EXISTS (SELECT 1 FROM public.schema_migrations WHERE name = '000_init.sql') THEN
        RAISE EXCEPTION 'restore check: no migration recorded in schema_migrations';
    END IF;
    IF NOT EXISTS (SELECT 1 FROM pg_catalog.pg_constraint WHERE conrelid = 'public.coletas'::regclass
                   AND contype = 'p') THEN
        missing := missing || 'coletas primary key'::text;
    END IF;
    IF NOT EXISTS (SELECT 1 FROM pg_catalog.pg_constraint WHERE conrelid = 'public.demandas'::regclass
                   AND contype = 'p') THEN
        missing := missing || 'demandas primary key'::text;
    END IF;
    IF NOT EXISTS (SELECT 1 FROM pg_catalog.pg_constraint WHERE conrelid = 'public.demandas'::regclass
                   AND contype = 'f' AND confrelid = 'public.coletas'::regclass) THEN
        missing := missing || 'demandas -> coletas foreign key'::text;
    END IF;
    IF NOT EXISTS (SELECT 1 FROM pg_catalog.pg_constraint WHERE conrelid = 'public.demandas'::regclass
                   AND contype = 'u') THEN
        missing := missing || 'demandas (coleta_id, chave) unique key'::text;
    END IF;
    IF EXISTS (SELECT 1 FROM public.schema_migrations WHERE name = '001_triggers.sql')
       AND (SELECT count(*) FROM pg_catalog.pg_trigger WHERE tgrelid = 'public.demandas'::regclass
            AND NOT tgisinternal) < 3 THEN
        missing := missing || 'demandas triggers'::text;
    END IF;
    IF cardinality(missing) > 0 THEN
        RAISE EXCEPTION 'restore check: missing after restore: %', array_to_string(missing, ', ');
    END IF;
END
$restore_check$;
