CREATE TABLE "uploaded_content" (
	"project_id" uuid NOT NULL,
	"digest" text NOT NULL,
	"is_folder" boolean NOT NULL,
	"size_bytes" bigint NOT NULL,
	"file_count" integer NOT NULL,
	"uploaded_by" text NOT NULL,
	"created_at" timestamp (3) with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "uploaded_content_project_id_digest_pk" PRIMARY KEY("project_id","digest")
);
--> statement-breakpoint
ALTER TABLE "uploaded_content" ADD CONSTRAINT "uploaded_content_project_id_projects_id_fk" FOREIGN KEY ("project_id") REFERENCES "public"."projects"("id") ON DELETE no action ON UPDATE no action;