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
ALTER TABLE "run_attestations" ADD CONSTRAINT "run_attestations_sealed_by_audit_log_id_fk" FOREIGN KEY ("sealed_by") REFERENCES "public"."audit_log"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "run_attestations_run_id_sealed_by_index" ON "run_attestations" USING btree ("run_id","sealed_by");
