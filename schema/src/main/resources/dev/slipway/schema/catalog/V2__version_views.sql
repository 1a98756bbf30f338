-- Catalog version 2: the version schema of an opaque migration (raw SQL) is built on the server from the
-- tables as the SQL left them, so `schema plan` can print the very statement `schema start` runs.
CREATE OR REPLACE FUNCTION slipway.create_version_views(base_schema text, version_schema text) RETURNS void
    LANGUAGE plpgsql SET search_path = pg_catalog AS $body$
DECLARE
    relation record;
BEGIN
    EXECUTE format('CREATE SCHEMA %I', version_schema);
    FOR relation IN
        SELECT c.oid, c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
         WHERE n.nspname = base_schema AND c.relkind IN ('r', 'p') AND NOT c.relispartition
         ORDER BY c.relname
    LOOP
        EXECUTE format('CREATE VIEW %I.%I AS SELECT %s FROM %I.%I', version_schema, relation.relname,
                       coalesce((SELECT string_agg(format('%I', a.attname), ', ' ORDER BY a.attnum)
                                   FROM pg_attribute a
                                  WHERE a.attrelid = relation.oid AND a.attnum > 0 AND NOT a.attisdropped), ''),
                       base_schema, relation.relname);
    END LOOP;
END
$body$;

REVOKE ALL ON FUNCTION slipway.create_version_views(text, text) FROM PUBLIC;
