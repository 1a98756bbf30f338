-- Catalog version 3: one login role per schema version. Its default search_path is the version's view schema, so a
-- binary selects its version by the role it logs in as: a connection parameter PgBouncer's transaction pooling would
-- refuse or lose is not needed, and the role is part of the pool key. It may use that view schema and what the views
-- need (the sequences behind their tables' defaults), nothing else. Passwords stay in this table, which only the
-- engine's own user (and superusers) can read.
CREATE TABLE IF NOT EXISTS slipway.version_roles (
    schema_name text NOT NULL,
    version integer NOT NULL,
    role_name text NOT NULL UNIQUE,
    password text NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (schema_name, version));
REVOKE ALL ON slipway.version_roles FROM PUBLIC;
REVOKE ALL ON SCHEMA slipway FROM PUBLIC;

-- Creates the role if it does not exist (a retried start finds it) and sets its default search_path.
CREATE OR REPLACE FUNCTION slipway.ensure_version_role(role_name text, search_path text[]) RETURNS void
    LANGUAGE plpgsql SET search_path = pg_catalog AS $body$
BEGIN
    IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = role_name) THEN
        EXECUTE format('CREATE ROLE %I LOGIN NOINHERIT', role_name);
    END IF;
    EXECUTE format('ALTER ROLE %I SET search_path = %s', role_name,
                   (SELECT string_agg(format('%I', schema), ', ' ORDER BY position)
                      FROM unnest(search_path) WITH ORDINALITY AS path(schema, position)));
END
$body$;

-- What a version's role may use: its view schema, the views in it, the sequences their tables' defaults draw from.
CREATE OR REPLACE FUNCTION slipway.grant_version_role(base_schema text, view_schema text, role_name text) RETURNS void
    LANGUAGE plpgsql SET search_path = pg_catalog AS $body$
DECLARE
    sequence record;
BEGIN
    IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = role_name) THEN
        RETURN;
    END IF;
    EXECUTE format('GRANT CONNECT ON DATABASE %I TO %I', current_database(), role_name);
    EXECUTE format('GRANT USAGE ON SCHEMA %I TO %I', view_schema, role_name);
    EXECUTE format('GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA %I TO %I', view_schema, role_name);
    FOR sequence IN
        SELECT DISTINCT s.oid::regclass AS name
          FROM pg_depend d
          JOIN pg_class s ON s.oid = d.objid AND s.relkind = 'S'
          JOIN pg_class t ON t.oid = d.refobjid
          JOIN pg_namespace n ON n.oid = t.relnamespace
         WHERE d.classid = 'pg_class'::regclass AND d.deptype IN ('a', 'i') AND n.nspname = base_schema
    LOOP
        EXECUTE format('GRANT USAGE ON SEQUENCE %s TO %I', sequence.name, role_name);
    END LOOP;
END
$body$;

-- Drops a version's role once its view schema is gone; its privileges go first (DROP OWNED revokes them).
CREATE OR REPLACE FUNCTION slipway.drop_version_role(role_name text) RETURNS void
    LANGUAGE plpgsql SET search_path = pg_catalog AS $body$
BEGIN
    IF EXISTS (SELECT 1 FROM pg_roles WHERE rolname = role_name) THEN
        EXECUTE format('DROP OWNED BY %I', role_name);
        EXECUTE format('DROP ROLE %I', role_name);
    END IF;
END
$body$;

REVOKE ALL ON FUNCTION slipway.ensure_version_role(text, text[]) FROM PUBLIC;
REVOKE ALL ON FUNCTION slipway.grant_version_role(text, text, text) FROM PUBLIC;
REVOKE ALL ON FUNCTION slipway.drop_version_role(text) FROM PUBLIC;
