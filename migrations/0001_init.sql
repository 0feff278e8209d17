CREATE TYPE "public"."finding_severity" AS ENUM('INFO', 'LOW', 'MEDIUM', 'HIGH', 'CRITICAL');--> statement-breakpoint
CREATE TYPE "public"."finding_status" AS ENUM('OPEN', 'CONFIRMED', 'DISMISSED', 'RESOLVED');--> statement-breakpoint
CREATE TYPE "public"."run_status" AS ENUM('QUEUED', 'RUNNING', 'SUCCEEDED', 'FAILED', 'CANCELLED');--> statement-breakpoint
CREATE TABLE "audit_log" (
	"id" bigint PRIMARY KEY GENERATED ALWAYS AS IDENTITY (sequence name "audit_log_id_seq" INCREMENT BY 1 MINVALUE 1 MAXVALUE 9223372036854775807 START WITH 1 CACHE 1),
	"at" timestamp (3) with time zone NOT NULL,
	"actor" text NOT NULL,
	"action" text NOT NULL,
	"project_id" uuid,
	"target_type" text NOT NULL,
	"target_id" uuid,
	"details" jsonb DEFAULT '{}'::jsonb NOT NULL,
	"prev_hash" text NOT NULL,
	"hash" text NOT NULL,
	CONSTRAINT "audit_log_hash_unique" UNIQUE("hash")
);
--> statement-breakpoint
CREATE TABLE "run_events" (
	"run_id" uuid NOT NULL,
	"seq" bigint NOT NULL,
	"type" text NOT NULL,
	"payload" jsonb NOT NULL,
	"created_at" timestamp (3) with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "run_events_run_id_seq_pk" PRIMARY KEY("run_id","seq")
);
--> statement-breakpoint
CREATE TABLE "projects" (
	"id" uuid PRIMARY KEY NOT NULL,
	"slug" text NOT NULL,
	"name" text NOT NULL,
	"description" text DEFAULT '' NOT NULL,
	"created_at" timestamp (3) with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "projects_slug_unique" UNIQUE("slug")
);
--> statement-breakpoint
CREATE TABLE "dataset_versions" (
	"id" uuid PRIMARY KEY NOT NULL,
	"dataset_id" uuid NOT NULL,
	"version" text NOT NULL,
	"uri" text NOT NULL,
	"format" text NOT NULL,
	"digest" text NOT NULL,
	"size_bytes" bigint,
	"metadata" jsonb DEFAULT '{}'::jsonb NOT NULL,
	"item_count" integer,
	"labels" text[],
	"derived_from_id" uuid,
	"transform" jsonb,
	"created_by" text NOT NULL,
	"created_at" timestamp (3) with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "dataset_versions_datasetId_version_unique" UNIQUE("dataset_id","version"),
	CONSTRAINT "dataset_versions_datasetId_digest_unique" UNIQUE("dataset_id","digest")
);
--> statement-breakpoint
CREATE TABLE "datasets" (
	"id" uuid PRIMARY KEY NOT NULL,
	"project_id" uuid NOT NULL,
	"name" text NOT NULL,
	"description" text DEFAULT '' NOT NULL,
	"task" text NOT NULL,
	"tags" text[] DEFAULT '{}'::text[] NOT NULL,
	"created_at" timestamp (3) with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp (3) with time zone DEFAULT now() NOT NULL,
	"search_vector" "tsvector" GENERATED ALWAYS AS (setweight(to_tsvector('english'::regconfig, coalesce("name", '')), 'A') || setweight(to_tsvector('english'::regconfig, coalesce(evalhub_tags_text("tags"), '')), 'B') || setweight(to_tsvector('english'::regconfig, coalesce("task", '')), 'B') || setweight(to_tsvector('english'::regconfig, coalesce("description", '')), 'C')) STORED,
	CONSTRAINT "datasets_projectId_name_unique" UNIQUE("project_id","name")
);
--> statement-breakpoint
CREATE TABLE "model_training_data" (
	"model_version_id" uuid NOT NULL,
	"dataset_version_id" uuid NOT NULL,
	CONSTRAINT "model_training_data_model_version_id_dataset_version_id_pk" PRIMARY KEY("model_version_id","dataset_version_id")
);
--> statement-breakpoint
CREATE TABLE "model_versions" (
	"id" uuid PRIMARY KEY NOT NULL,
	"model_id" uuid NOT NULL,
	"version" text NOT NULL,
	"uri" text NOT NULL,
	"format" text NOT NULL,
	"digest" text NOT NULL,
	"size_bytes" bigint,
	"metadata" jsonb DEFAULT '{}'::jsonb NOT NULL,
	"labels" text[],
	"created_by" text NOT NULL,
	"created_at" timestamp (3) with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "model_versions_modelId_version_unique" UNIQUE("model_id","version"),
	CONSTRAINT "model_versions_modelId_digest_unique" UNIQUE("model_id","digest")
);
--> statement-breakpoint
CREATE TABLE "models" (
	"id" uuid PRIMARY KEY NOT NULL,
	"project_id" uuid NOT NULL,
	"name" text NOT NULL,
	"description" text DEFAULT '' NOT NULL,
	"task" text NOT NULL,
	"tags" text[] DEFAULT '{}'::text[] NOT NULL,
	"created_at" timestamp (3) with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp (3) with time zone DEFAULT now() NOT NULL,
	"search_vector" "tsvector" GENERATED ALWAYS AS (setweight(to_tsvector('english'::regconfig, coalesce("name", '')), 'A') || setweight(to_tsvector('english'::regconfig, coalesce(evalhub_tags_text("tags"), '')), 'B') || setweight(to_tsvector('english'::regconfig, coalesce("task", '')), 'B') || setweight(to_tsvector('english'::regconfig, coalesce("description", '')), 'C')) STORED,
	CONSTRAINT "models_projectId_name_unique" UNIQUE("project_id","name")
);
--> statement-breakpoint
CREATE TABLE "artifacts" (
	"id" uuid PRIMARY KEY NOT NULL,
	"project_id" uuid NOT NULL,
	"run_id" uuid NOT NULL,
	"name" text NOT NULL,
	"media_type" text NOT NULL,
	"digest" text NOT NULL,
	"size_bytes" bigint NOT NULL,
	"uri" text,
	"created_at" timestamp (3) with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "artifacts_runId_name_unique" UNIQUE("run_id","name")
);
--> statement-breakpoint
CREATE TABLE "blobs" (
	"digest" text PRIMARY KEY NOT NULL,
	"bytes" "bytea" NOT NULL,
	"size_bytes" bigint NOT NULL,
	"created_at" timestamp (3) with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "findings" (
	"id" uuid PRIMARY KEY NOT NULL,
	"project_id" uuid NOT NULL,
	"run_id" uuid NOT NULL,
	"kind" text NOT NULL,
	"severity" "finding_severity" NOT NULL,
	"status" "finding_status" DEFAULT 'OPEN' NOT NULL,
	"title" text NOT NULL,
	"summary" text DEFAULT '' NOT NULL,
	"evidence" jsonb DEFAULT '{}'::jsonb NOT NULL,
	"subject_model_version_id" uuid,
	"subject_dataset_version_id" uuid,
	"requirement" jsonb,
	"created_at" timestamp (3) with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp (3) with time zone DEFAULT now() NOT NULL,
	"search_vector" "tsvector" GENERATED ALWAYS AS (setweight(to_tsvector('english'::regconfig, coalesce("title", '')), 'A') || setweight(to_tsvector('english'::regconfig, coalesce("kind", '')), 'B') || setweight(to_tsvector('english'::regconfig, coalesce("summary", '')), 'C')) STORED
);
--> statement-breakpoint
CREATE TABLE "metrics" (
	"id" bigint PRIMARY KEY GENERATED ALWAYS AS IDENTITY (sequence name "metrics_id_seq" INCREMENT BY 1 MINVALUE 1 MAXVALUE 9223372036854775807 START WITH 1 CACHE 1),
	"run_id" uuid NOT NULL,
	"key" text NOT NULL,
	"value" double precision NOT NULL,
	"step" integer DEFAULT 0 NOT NULL,
	"slice" jsonb DEFAULT '{}'::jsonb NOT NULL,
	"slice_key" text DEFAULT '' NOT NULL,
	"ci_lower" double precision,
	"ci_upper" double precision,
	"ci_level" double precision,
	"sample_size" integer,
	"created_at" timestamp (3) with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "run_inputs" (
	"run_id" uuid NOT NULL,
	"role" text NOT NULL,
	"position" integer DEFAULT 0 NOT NULL,
	"model_version_id" uuid,
	"dataset_version_id" uuid,
	CONSTRAINT "run_inputs_run_id_role_position_pk" PRIMARY KEY("run_id","role","position"),
	CONSTRAINT "run_inputs_one_version" CHECK (num_nonnulls("run_inputs"."model_version_id", "run_inputs"."dataset_version_id") = 1)
);
--> statement-breakpoint
CREATE TABLE "run_outputs" (
	"run_id" uuid NOT NULL,
	"name" text NOT NULL,
	"model_version_id" uuid,
	"dataset_version_id" uuid,
	CONSTRAINT "run_outputs_run_id_name_pk" PRIMARY KEY("run_id","name"),
	CONSTRAINT "run_outputs_one_version" CHECK (num_nonnulls("run_outputs"."model_version_id", "run_outputs"."dataset_version_id") = 1)
);
--> statement-breakpoint
CREATE TABLE "runs" (
	"id" uuid PRIMARY KEY NOT NULL,
	"project_id" uuid NOT NULL,
	"name" text,
	"runner_id" text NOT NULL,
	"runner_version" text NOT NULL,
	"workflow_version_id" uuid,
	"parent_run_id" uuid,
	"step_id" text,
	"retry_of_id" uuid,
	"status" "run_status" DEFAULT 'QUEUED' NOT NULL,
	"run_key" text NOT NULL,
	"config" jsonb DEFAULT '{}'::jsonb NOT NULL,
	"seed" bigint NOT NULL,
	"priority" integer DEFAULT 0 NOT NULL,
	"attempt" integer DEFAULT 0 NOT NULL,
	"max_attempts" integer DEFAULT 3 NOT NULL,
	"environment" jsonb DEFAULT '{}'::jsonb NOT NULL,
	"progress" jsonb,
	"error" jsonb,
	"tags" text[] DEFAULT '{}'::text[] NOT NULL,
	"source" text DEFAULT 'hub' NOT NULL,
	"external_id" text,
	"created_by" text NOT NULL,
	"created_at" timestamp (3) with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp (3) with time zone DEFAULT now() NOT NULL,
	"started_at" timestamp (3) with time zone,
	"finished_at" timestamp (3) with time zone,
	"lease_owner" text,
	"lease_expires_at" timestamp (3) with time zone,
	"cancel_requested_at" timestamp (3) with time zone,
	"last_event_seq" bigint DEFAULT 0 NOT NULL,
	"search_vector" "tsvector" GENERATED ALWAYS AS (setweight(to_tsvector('english'::regconfig, coalesce("name", '')), 'A') || setweight(to_tsvector('english'::regconfig, coalesce("runner_id", '')), 'B') || setweight(to_tsvector('english'::regconfig, coalesce(evalhub_tags_text("tags"), '')), 'B') || setweight(to_tsvector('english'::regconfig, coalesce("error"->>'message', '')), 'D')) STORED,
	CONSTRAINT "runs_source_externalId_unique" UNIQUE("source","external_id")
);
--> statement-breakpoint
CREATE TABLE "workflow_versions" (
	"id" uuid PRIMARY KEY NOT NULL,
	"workflow_id" uuid NOT NULL,
	"number" integer NOT NULL,
	"digest" text NOT NULL,
	"spec" jsonb NOT NULL,
	"created_by" text NOT NULL,
	"created_at" timestamp (3) with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "workflow_versions_workflowId_number_unique" UNIQUE("workflow_id","number"),
	CONSTRAINT "workflow_versions_workflowId_digest_unique" UNIQUE("workflow_id","digest")
);
--> statement-breakpoint
CREATE TABLE "workflows" (
	"id" uuid PRIMARY KEY NOT NULL,
	"project_id" uuid NOT NULL,
	"name" text NOT NULL,
	"description" text DEFAULT '' NOT NULL,
	"tags" text[] DEFAULT '{}'::text[] NOT NULL,
	"created_at" timestamp (3) with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp (3) with time zone DEFAULT now() NOT NULL,
	"search_vector" "tsvector" GENERATED ALWAYS AS (setweight(to_tsvector('english'::regconfig, coalesce("name", '')), 'A') || setweight(to_tsvector('english'::regconfig, coalesce(evalhub_tags_text("tags"), '')), 'B') || setweight(to_tsvector('english'::regconfig, coalesce("description", '')), 'C')) STORED,
	CONSTRAINT "workflows_projectId_name_unique" UNIQUE("project_id","name")
);
--> statement-breakpoint
ALTER TABLE "run_events" ADD CONSTRAINT "run_events_run_id_runs_id_fk" FOREIGN KEY ("run_id") REFERENCES "public"."runs"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "dataset_versions" ADD CONSTRAINT "dataset_versions_dataset_id_datasets_id_fk" FOREIGN KEY ("dataset_id") REFERENCES "public"."datasets"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "dataset_versions" ADD CONSTRAINT "dataset_versions_derived_from_id_dataset_versions_id_fk" FOREIGN KEY ("derived_from_id") REFERENCES "public"."dataset_versions"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "datasets" ADD CONSTRAINT "datasets_project_id_projects_id_fk" FOREIGN KEY ("project_id") REFERENCES "public"."projects"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "model_training_data" ADD CONSTRAINT "model_training_data_model_version_id_model_versions_id_fk" FOREIGN KEY ("model_version_id") REFERENCES "public"."model_versions"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "model_training_data" ADD CONSTRAINT "model_training_data_dataset_version_id_dataset_versions_id_fk" FOREIGN KEY ("dataset_version_id") REFERENCES "public"."dataset_versions"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "model_versions" ADD CONSTRAINT "model_versions_model_id_models_id_fk" FOREIGN KEY ("model_id") REFERENCES "public"."models"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "models" ADD CONSTRAINT "models_project_id_projects_id_fk" FOREIGN KEY ("project_id") REFERENCES "public"."projects"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "artifacts" ADD CONSTRAINT "artifacts_project_id_projects_id_fk" FOREIGN KEY ("project_id") REFERENCES "public"."projects"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "artifacts" ADD CONSTRAINT "artifacts_run_id_runs_id_fk" FOREIGN KEY ("run_id") REFERENCES "public"."runs"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "findings" ADD CONSTRAINT "findings_project_id_projects_id_fk" FOREIGN KEY ("project_id") REFERENCES "public"."projects"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "findings" ADD CONSTRAINT "findings_run_id_runs_id_fk" FOREIGN KEY ("run_id") REFERENCES "public"."runs"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "findings" ADD CONSTRAINT "findings_subject_model_version_id_model_versions_id_fk" FOREIGN KEY ("subject_model_version_id") REFERENCES "public"."model_versions"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "findings" ADD CONSTRAINT "findings_subject_dataset_version_id_dataset_versions_id_fk" FOREIGN KEY ("subject_dataset_version_id") REFERENCES "public"."dataset_versions"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "metrics" ADD CONSTRAINT "metrics_run_id_runs_id_fk" FOREIGN KEY ("run_id") REFERENCES "public"."runs"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "run_inputs" ADD CONSTRAINT "run_inputs_run_id_runs_id_fk" FOREIGN KEY ("run_id") REFERENCES "public"."runs"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "run_inputs" ADD CONSTRAINT "run_inputs_model_version_id_model_versions_id_fk" FOREIGN KEY ("model_version_id") REFERENCES "public"."model_versions"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "run_inputs" ADD CONSTRAINT "run_inputs_dataset_version_id_dataset_versions_id_fk" FOREIGN KEY ("dataset_version_id") REFERENCES "public"."dataset_versions"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "run_outputs" ADD CONSTRAINT "run_outputs_run_id_runs_id_fk" FOREIGN KEY ("run_id") REFERENCES "public"."runs"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "run_outputs" ADD CONSTRAINT "run_outputs_model_version_id_model_versions_id_fk" FOREIGN KEY ("model_version_id") REFERENCES "public"."model_versions"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "run_outputs" ADD CONSTRAINT "run_outputs_dataset_version_id_dataset_versions_id_fk" FOREIGN KEY ("dataset_version_id") REFERENCES "public"."dataset_versions"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "runs" ADD CONSTRAINT "runs_project_id_projects_id_fk" FOREIGN KEY ("project_id") REFERENCES "public"."projects"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "runs" ADD CONSTRAINT "runs_workflow_version_id_workflow_versions_id_fk" FOREIGN KEY ("workflow_version_id") REFERENCES "public"."workflow_versions"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "runs" ADD CONSTRAINT "runs_parent_run_id_runs_id_fk" FOREIGN KEY ("parent_run_id") REFERENCES "public"."runs"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "runs" ADD CONSTRAINT "runs_retry_of_id_runs_id_fk" FOREIGN KEY ("retry_of_id") REFERENCES "public"."runs"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "workflow_versions" ADD CONSTRAINT "workflow_versions_workflow_id_workflows_id_fk" FOREIGN KEY ("workflow_id") REFERENCES "public"."workflows"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "workflows" ADD CONSTRAINT "workflows_project_id_projects_id_fk" FOREIGN KEY ("project_id") REFERENCES "public"."projects"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "audit_log_target_id_index" ON "audit_log" USING btree ("target_id");--> statement-breakpoint
CREATE INDEX "audit_log_project_id_at_index" ON "audit_log" USING btree ("project_id","at");--> statement-breakpoint
CREATE INDEX "dataset_versions_dataset_id_created_at_id_index" ON "dataset_versions" USING btree ("dataset_id","created_at","id");--> statement-breakpoint
CREATE INDEX "dataset_versions_digest_index" ON "dataset_versions" USING btree ("digest");--> statement-breakpoint
CREATE INDEX "dataset_versions_derived_from_id_index" ON "dataset_versions" USING btree ("derived_from_id");--> statement-breakpoint
CREATE INDEX "datasets_project_id_created_at_id_index" ON "datasets" USING btree ("project_id","created_at","id");--> statement-breakpoint
CREATE INDEX "datasets_tags_index" ON "datasets" USING gin ("tags");--> statement-breakpoint
CREATE INDEX "datasets_search_vector_index" ON "datasets" USING gin ("search_vector");--> statement-breakpoint
CREATE INDEX "datasets_name_trgm_idx" ON "datasets" USING gin ("name" gin_trgm_ops);--> statement-breakpoint
CREATE INDEX "model_training_data_dataset_version_id_index" ON "model_training_data" USING btree ("dataset_version_id");--> statement-breakpoint
CREATE INDEX "model_versions_model_id_created_at_id_index" ON "model_versions" USING btree ("model_id","created_at","id");--> statement-breakpoint
CREATE INDEX "model_versions_digest_index" ON "model_versions" USING btree ("digest");--> statement-breakpoint
CREATE INDEX "models_project_id_created_at_id_index" ON "models" USING btree ("project_id","created_at","id");--> statement-breakpoint
CREATE INDEX "models_tags_index" ON "models" USING gin ("tags");--> statement-breakpoint
CREATE INDEX "models_search_vector_index" ON "models" USING gin ("search_vector");--> statement-breakpoint
CREATE INDEX "models_name_trgm_idx" ON "models" USING gin ("name" gin_trgm_ops);--> statement-breakpoint
CREATE INDEX "artifacts_digest_index" ON "artifacts" USING btree ("digest");--> statement-breakpoint
CREATE INDEX "findings_project_id_created_at_id_index" ON "findings" USING btree ("project_id","created_at","id");--> statement-breakpoint
CREATE INDEX "findings_run_id_index" ON "findings" USING btree ("run_id");--> statement-breakpoint
CREATE INDEX "findings_severity_created_at_index" ON "findings" USING btree ("severity","created_at");--> statement-breakpoint
CREATE INDEX "findings_kind_created_at_index" ON "findings" USING btree ("kind","created_at");--> statement-breakpoint
CREATE INDEX "findings_subject_model_version_id_index" ON "findings" USING btree ("subject_model_version_id");--> statement-breakpoint
CREATE INDEX "findings_subject_dataset_version_id_index" ON "findings" USING btree ("subject_dataset_version_id");--> statement-breakpoint
CREATE INDEX "findings_search_vector_index" ON "findings" USING gin ("search_vector");--> statement-breakpoint
CREATE INDEX "metrics_run_id_key_slice_key_step_index" ON "metrics" USING btree ("run_id","key","slice_key","step");--> statement-breakpoint
CREATE INDEX "metrics_key_value_index" ON "metrics" USING btree ("key","value");--> statement-breakpoint
CREATE INDEX "run_inputs_model_version_id_run_id_index" ON "run_inputs" USING btree ("model_version_id","run_id");--> statement-breakpoint
CREATE INDEX "run_inputs_dataset_version_id_run_id_index" ON "run_inputs" USING btree ("dataset_version_id","run_id");--> statement-breakpoint
CREATE INDEX "run_outputs_model_version_id_index" ON "run_outputs" USING btree ("model_version_id");--> statement-breakpoint
CREATE INDEX "run_outputs_dataset_version_id_index" ON "run_outputs" USING btree ("dataset_version_id");--> statement-breakpoint
CREATE INDEX "runs_project_id_created_at_id_index" ON "runs" USING btree ("project_id","created_at","id");--> statement-breakpoint
CREATE INDEX "runs_runner_id_created_at_index" ON "runs" USING btree ("runner_id","created_at");--> statement-breakpoint
CREATE INDEX "runs_run_key_index" ON "runs" USING btree ("run_key");--> statement-breakpoint
CREATE INDEX "runs_parent_run_id_index" ON "runs" USING btree ("parent_run_id");--> statement-breakpoint
CREATE INDEX "runs_workflow_version_id_index" ON "runs" USING btree ("workflow_version_id");--> statement-breakpoint
CREATE INDEX "runs_retry_of_id_index" ON "runs" USING btree ("retry_of_id");--> statement-breakpoint
CREATE INDEX "runs_status_created_at_index" ON "runs" USING btree ("status","created_at");--> statement-breakpoint
CREATE INDEX "runs_queue_idx" ON "runs" USING btree ("priority" DESC NULLS LAST,"created_at","id") WHERE "status" = 'QUEUED';--> statement-breakpoint
CREATE INDEX "runs_lease_idx" ON "runs" USING btree ("lease_expires_at") WHERE "status" = 'RUNNING';--> statement-breakpoint
CREATE INDEX "runs_search_vector_index" ON "runs" USING gin ("search_vector");--> statement-breakpoint
CREATE INDEX "workflow_versions_digest_index" ON "workflow_versions" USING btree ("digest");--> statement-breakpoint
CREATE INDEX "workflows_project_id_created_at_id_index" ON "workflows" USING btree ("project_id","created_at","id");--> statement-breakpoint
CREATE INDEX "workflows_search_vector_index" ON "workflows" USING gin ("search_vector");--> statement-breakpoint
CREATE INDEX "workflows_name_trgm_idx" ON "workflows" USING gin ("name" gin_trgm_ops);