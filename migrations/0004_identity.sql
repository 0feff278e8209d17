CREATE TABLE "api_tokens" (
	"id" uuid PRIMARY KEY NOT NULL,
	"name" text NOT NULL,
	"owner" text NOT NULL,
	"secret_hash" text NOT NULL,
	"prefix" text NOT NULL,
	"admin" boolean DEFAULT false NOT NULL,
	"project_slug" text,
	"role" text,
	"created_by" text NOT NULL,
	"created_at" timestamp (3) with time zone DEFAULT now() NOT NULL,
	"expires_at" timestamp (3) with time zone,
	"revoked_at" timestamp (3) with time zone,
	"last_used_at" timestamp (3) with time zone,
	CONSTRAINT "api_tokens_secretHash_unique" UNIQUE("secret_hash"),
	CONSTRAINT "api_tokens_scope" CHECK (("api_tokens"."admin" and "api_tokens"."project_slug" is null and "api_tokens"."role" is null) or
          (not "api_tokens"."admin" and "api_tokens"."project_slug" is not null
           and "api_tokens"."role" in ('viewer', 'contributor', 'maintainer')))
);
--> statement-breakpoint
CREATE TABLE "project_members" (
	"project_id" uuid NOT NULL,
	"subject" text NOT NULL,
	"role" text NOT NULL,
	"created_by" text NOT NULL,
	"created_at" timestamp (3) with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "project_members_project_id_subject_pk" PRIMARY KEY("project_id","subject"),
	CONSTRAINT "project_members_role" CHECK ("project_members"."role" in ('viewer', 'contributor', 'maintainer'))
);
--> statement-breakpoint
ALTER TABLE "project_members" ADD CONSTRAINT "project_members_project_id_projects_id_fk" FOREIGN KEY ("project_id") REFERENCES "public"."projects"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "api_tokens_project_slug_index" ON "api_tokens" USING btree ("project_slug");--> statement-breakpoint
CREATE INDEX "project_members_subject_index" ON "project_members" USING btree ("subject");