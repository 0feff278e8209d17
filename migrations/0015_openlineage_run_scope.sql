ALTER TABLE "runs" DROP CONSTRAINT "runs_source_externalId_unique";--> statement-breakpoint
DROP INDEX "openlineage_events_run_id_event_time_index";--> statement-breakpoint
DROP INDEX "openlineage_events_hub_run_id_index";--> statement-breakpoint
CREATE INDEX "openlineage_events_hub_run_id_event_time_index" ON "openlineage_events" USING btree ("hub_run_id","event_time");--> statement-breakpoint
ALTER TABLE "runs" ADD CONSTRAINT "runs_projectId_source_externalId_unique" UNIQUE("project_id","source","external_id");