-- An attestation per run.end audit record rather than per run: an imported run is sealed
-- again when a later event adds to what it concluded. The attestations made so far name
-- their record in their statement (predicate.sealedBy.auditRecord); they are keyed by it.
ALTER TABLE "run_attestations" DROP CONSTRAINT "run_attestations_pkey";--> statement-breakpoint
ALTER TABLE "run_attestations" ADD COLUMN "sealed_by" bigint;--> statement-breakpoint
ALTER TABLE "run_attestations" DISABLE TRIGGER "run_attestations_append_only";--> statement-breakpoint
UPDATE "run_attestations" SET "sealed_by" = (
  convert_from(decode("envelope"->>'payload', 'base64'), 'UTF8')::jsonb #>> '{predicate,sealedBy,auditRecord}'
)::bigint;--> statement-breakpoint
ALTER TABLE "run_attestations" ENABLE TRIGGER "run_attestations_append_only";--> statement-breakpoint
ALTER TABLE "run_attestations" ADD PRIMARY KEY ("sealed_by");--> statement-breakpoint
CREATE INDEX "run_attestations_run_id_sealed_by_index" ON "run_attestations" USING btree ("run_id","sealed_by");
--> statement-breakpoint
-- A finished run also keeps which run it retried or reproduces (its run.end record seals them).
CREATE OR REPLACE FUNCTION evalhub_freeze_finished_run() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF OLD.status IN ('SUCCEEDED', 'FAILED', 'CANCELLED') AND (TG_OP = 'DELETE' OR
      (NEW.id, NEW.project_id, NEW.runner_id, NEW.runner_version, NEW.config, NEW.seed,
       NEW.run_key, NEW.created_by, NEW.retry_of_id, NEW.reproduces_id)
      IS DISTINCT FROM
      (OLD.id, OLD.project_id, OLD.runner_id, OLD.runner_version, OLD.config, OLD.seed,
       OLD.run_key, OLD.created_by, OLD.retry_of_id, OLD.reproduces_id)) THEN
    RAISE EXCEPTION 'run % is finished: % of what it ran is refused', OLD.id, TG_OP;
  END IF;
  RETURN CASE WHEN TG_OP = 'DELETE' THEN OLD ELSE NEW END;
END $$;
--> statement-breakpoint
-- And the versions it made (its run.end record seals them too).
CREATE TRIGGER run_outputs_finished_frozen BEFORE UPDATE OR DELETE ON run_outputs
  FOR EACH ROW EXECUTE FUNCTION evalhub_freeze_finished_results();
--> statement-breakpoint
CREATE TRIGGER run_outputs_append_only BEFORE TRUNCATE ON run_outputs
  FOR EACH STATEMENT EXECUTE FUNCTION evalhub_refuse_change();
