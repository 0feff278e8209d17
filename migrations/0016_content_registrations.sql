CREATE TABLE "content_registrations" (
	"id" uuid PRIMARY KEY NOT NULL,
	"project_id" uuid NOT NULL,
	"kind" text NOT NULL,
	"input" jsonb NOT NULL,
	"actor" jsonb NOT NULL,
	"state" text NOT NULL,
	"bytes_hashed" bigint DEFAULT 0 NOT NULL,
	"bytes_total" bigint NOT NULL,
	"model_version_id" uuid,
	"dataset_version_id" uuid,
	"created" boolean,
	"error" jsonb,
	"attempt" integer DEFAULT 0 NOT NULL,
	"lease_owner" text,
	"lease_expires_at" timestamp (3) with time zone,
	"created_by" text NOT NULL,
	"created_at" timestamp (3) with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp (3) with time zone DEFAULT now() NOT NULL,
	"finished_at" timestamp (3) with time zone
);
--> statement-breakpoint
ALTER TABLE "content_registrations" ADD CONSTRAINT "content_registrations_project_id_projects_id_fk" FOREIGN KEY ("project_id") REFERENCES "public"."projects"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "content_registrations" ADD CONSTRAINT "content_registrations_model_version_id_model_versions_id_fk" FOREIGN KEY ("model_version_id") REFERENCES "public"."model_versions"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "content_registrations" ADD CONSTRAINT "content_registrations_dataset_version_id_dataset_versions_id_fk" FOREIGN KEY ("dataset_version_id") REFERENCES "public"."dataset_versions"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "content_registrations_project_idx" ON "content_registrations" USING btree ("project_id");--> statement-breakpoint
CREATE INDEX "content_registrations_open_idx" ON "content_registrations" USING btree ("lease_expires_at") WHERE "state" in ('QUEUED', 'HASHING');