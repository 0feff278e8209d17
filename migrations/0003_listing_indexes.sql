CREATE INDEX "findings_created_at_id_index" ON "findings" USING btree ("created_at","id");--> statement-breakpoint
CREATE INDEX "runs_created_at_id_index" ON "runs" USING btree ("created_at","id");