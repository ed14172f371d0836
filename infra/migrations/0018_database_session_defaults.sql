-- The session settings every connection of the platform expects, as the database's own defaults:
-- behind a transaction-mode pooler (PgBouncer refuses the startup `options` parameter) this is
-- the only place they can come from; direct connections still also send them at startup.
DO $$
BEGIN
    EXECUTE format('ALTER DATABASE %I SET timezone TO %L', current_database(), 'UTC');
    EXECUTE format('ALTER DATABASE %I SET datestyle TO %L', current_database(), 'ISO, YMD');
    EXECUTE format('ALTER DATABASE %I SET extra_float_digits TO 3', current_database());
    EXECUTE format('ALTER DATABASE %I SET client_min_messages TO %L', current_database(), 'warning');
END
$$;
