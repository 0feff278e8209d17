CREATE TABLE "run_attestations" (
	"run_id" uuid PRIMARY KEY NOT NULL,
	"project_id" uuid NOT NULL,
	"key_id" text NOT NULL,
	"statement_digest" text NOT NULL,
	"envelope" jsonb NOT NULL,
	"created_at" timestamp (3) with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "signing_keys" (
	"id" text PRIMARY KEY NOT NULL,
	"algorithm" text NOT NULL,
	"public_key" text NOT NULL,
	"created_at" timestamp (3) with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
ALTER TABLE "run_attestations" ADD CONSTRAINT "run_attestations_run_id_runs_id_fk" FOREIGN KEY ("run_id") REFERENCES "public"."runs"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "run_attestations" ADD CONSTRAINT "run_attestations_project_id_projects_id_fk" FOREIGN KEY ("project_id") REFERENCES "public"."projects"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "run_attestations" ADD CONSTRAINT "run_attestations_key_id_signing_keys_id_fk" FOREIGN KEY ("key_id") REFERENCES "public"."signing_keys"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "run_attestations_key_id_index" ON "run_attestations" USING btree ("key_id");--> statement-breakpoint
CREATE TRIGGER signing_keys_append_only BEFORE UPDATE OR DELETE OR TRUNCATE ON signing_keys
  FOR EACH STATEMENT EXECUTE FUNCTION evalhub_refuse_change();--> statement-breakpoint
CREATE TRIGGER run_attestations_append_only BEFORE UPDATE OR DELETE OR TRUNCATE ON run_attestations
  FOR EACH STATEMENT EXECUTE FUNCTION evalhub_refuse_change();
