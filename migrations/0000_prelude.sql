-- Extensions and functions the tables below depend on. PGlite loads pg_trgm from its
-- bundled contrib; Debian's postgresql package ships it too.
CREATE EXTENSION IF NOT EXISTS pg_trgm;
--> statement-breakpoint
-- array_to_string is only STABLE, which generated columns refuse; joining text[] with a
-- space is immutable in fact, so this wrapper declares it so for the search vectors.
CREATE OR REPLACE FUNCTION evalhub_tags_text(text[]) RETURNS text
  LANGUAGE sql IMMUTABLE PARALLEL SAFE
  AS $$ SELECT array_to_string($1, ' ') $$;
