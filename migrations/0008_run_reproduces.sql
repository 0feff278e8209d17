ALTER TABLE "runs" ADD COLUMN "reproduces_id" uuid;--> statement-breakpoint
ALTER TABLE "runs" ADD CONSTRAINT "runs_reproduces_id_runs_id_fk" FOREIGN KEY ("reproduces_id") REFERENCES "public"."runs"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "runs_reproduces_id_index" ON "runs" USING btree ("reproduces_id");