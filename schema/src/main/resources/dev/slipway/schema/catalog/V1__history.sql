-- Catalog version 1: migration history, backfill positions and repairs. Written with IF NOT EXISTS because
-- databases migrated before the catalog had versions already hold exactly these objects.
CREATE SCHEMA IF NOT EXISTS slipway;

CREATE TABLE IF NOT EXISTS slipway.migrations (
    id bigserial PRIMARY KEY,
    schema_name text NOT NULL,
    version integer NOT NULL,
    name text NOT NULL,
    file_name text NOT NULL,
    description text NOT NULL DEFAULT '',
    checksum text NOT NULL,
    content text NOT NULL,
    opaque boolean NOT NULL DEFAULT false,
    state text NOT NULL CHECK (state IN ('started', 'completed', 'rolled_back', 'failed')),
    phase text,
    started_at timestamptz NOT NULL DEFAULT now(),
    completed_at timestamptz,
    duration_ms bigint,
    applied_by text NOT NULL,
    error text);

-- The database itself refuses a second migration in flight, even from a racing process.
CREATE UNIQUE INDEX IF NOT EXISTS migrations_one_in_flight
    ON slipway.migrations (schema_name) WHERE state = 'started';
CREATE UNIQUE INDEX IF NOT EXISTS migrations_version_once
    ON slipway.migrations (schema_name, version) WHERE state IN ('started', 'completed');

CREATE TABLE IF NOT EXISTS slipway.backfills (
    migration_id bigint NOT NULL REFERENCES slipway.migrations (id) ON DELETE CASCADE,
    table_name text NOT NULL,
    columns text[] NOT NULL,
    start_xid bigint NOT NULL,
    last_key text[],
    done bigint NOT NULL DEFAULT 0,
    total bigint,
    finished boolean NOT NULL DEFAULT false,
    updated_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (migration_id, table_name));

CREATE TABLE IF NOT EXISTS slipway.repairs (
    id bigserial PRIMARY KEY,
    schema_name text NOT NULL,
    version integer NOT NULL,
    previous_checksum text,
    checksum text,
    removed_failed integer NOT NULL,
    repaired_by text NOT NULL,
    reason text NOT NULL,
    repaired_at timestamptz NOT NULL DEFAULT now());
