CREATE TABLE "openlineage_events" (
	"id" bigint PRIMARY KEY GENERATED ALWAYS AS IDENTITY (sequence name "openlineage_events_id_seq" INCREMENT BY 1 MINVALUE 1 MAXVALUE 9223372036854775807 START WITH 1 CACHE 1),
	"received_at" timestamp (3) with time zone DEFAULT now() NOT NULL,
	"event_time" timestamp (3) with time zone NOT NULL,
	"event_type" text,
	"run_id" text NOT NULL,
	"job_namespace" text NOT NULL,
	"job_name" text NOT NULL,
	"hub_run_id" uuid,
	"event" jsonb NOT NULL
);
--> statement-breakpoint
CREATE TABLE "metric_summaries" (
	"run_id" uuid NOT NULL,
	"key" text NOT NULL,
	"slice_key" text NOT NULL,
	"slice" jsonb NOT NULL,
	"last" double precision NOT NULL,
	"last_step" integer NOT NULL,
	"min" double precision NOT NULL,
	"max" double precision NOT NULL,
	"sum" double precision NOT NULL,
	"count" integer NOT NULL,
	CONSTRAINT "metric_summaries_run_id_key_slice_key_pk" PRIMARY KEY("run_id","key","slice_key")
);
--> statement-breakpoint
ALTER TABLE "metric_summaries" ADD CONSTRAINT "metric_summaries_run_id_runs_id_fk" FOREIGN KEY ("run_id") REFERENCES "public"."runs"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "openlineage_events_run_id_event_time_index" ON "openlineage_events" USING btree ("run_id","event_time");--> statement-breakpoint
CREATE INDEX "openlineage_events_hub_run_id_index" ON "openlineage_events" USING btree ("hub_run_id");--> statement-breakpoint
CREATE INDEX "metric_summaries_key_slice_key_last_index" ON "metric_summaries" USING btree ("key","slice_key","last");--> statement-breakpoint
-- metric_summaries follows metrics: a statement-level trigger folds each statement's new
-- rows in (one upsert per statement, not per row), and recomputes what deletes touched.
CREATE FUNCTION evalhub_summarise_added_metrics() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  INSERT INTO metric_summaries AS s (run_id, key, slice_key, slice, last, last_step, min, max, sum, count)
    SELECT run_id, key, slice_key,
           (array_agg(slice ORDER BY step DESC, id DESC))[1],
           (array_agg(value ORDER BY step DESC, id DESC))[1],
           max(step), min(value), max(value), sum(value), count(*)
      FROM added
     GROUP BY run_id, key, slice_key
  ON CONFLICT (run_id, key, slice_key) DO UPDATE SET
    last = CASE WHEN excluded.last_step >= s.last_step THEN excluded.last ELSE s.last END,
    slice = CASE WHEN excluded.last_step >= s.last_step THEN excluded.slice ELSE s.slice END,
    last_step = greatest(s.last_step, excluded.last_step),
    min = least(s.min, excluded.min),
    max = greatest(s.max, excluded.max),
    sum = s.sum + excluded.sum,
    count = s.count + excluded.count;
  RETURN NULL;
END $$;
--> statement-breakpoint
CREATE FUNCTION evalhub_summarise_removed_metrics() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  DELETE FROM metric_summaries s
   USING (SELECT DISTINCT run_id, key, slice_key FROM removed) r
   WHERE s.run_id = r.run_id AND s.key = r.key AND s.slice_key = r.slice_key;
  INSERT INTO metric_summaries (run_id, key, slice_key, slice, last, last_step, min, max, sum, count)
    SELECT m.run_id, m.key, m.slice_key,
           (array_agg(m.slice ORDER BY m.step DESC, m.id DESC))[1],
           (array_agg(m.value ORDER BY m.step DESC, m.id DESC))[1],
           max(m.step), min(m.value), max(m.value), sum(m.value), count(*)
      FROM metrics m
      JOIN (SELECT DISTINCT run_id, key, slice_key FROM removed) r
        ON m.run_id = r.run_id AND m.key = r.key AND m.slice_key = r.slice_key
     GROUP BY m.run_id, m.key, m.slice_key;
  RETURN NULL;
END $$;
--> statement-breakpoint
CREATE TRIGGER metrics_summarise_added AFTER INSERT ON metrics
  REFERENCING NEW TABLE AS added FOR EACH STATEMENT EXECUTE FUNCTION evalhub_summarise_added_metrics();
--> statement-breakpoint
CREATE TRIGGER metrics_summarise_removed AFTER DELETE ON metrics
  REFERENCING OLD TABLE AS removed FOR EACH STATEMENT EXECUTE FUNCTION evalhub_summarise_removed_metrics();
--> statement-breakpoint
INSERT INTO metric_summaries (run_id, key, slice_key, slice, last, last_step, min, max, sum, count)
  SELECT run_id, key, slice_key,
         (array_agg(slice ORDER BY step DESC, id DESC))[1],
         (array_agg(value ORDER BY step DESC, id DESC))[1],
         max(step), min(value), max(value), sum(value), count(*)
    FROM metrics GROUP BY run_id, key, slice_key;
--> statement-breakpoint
-- Raw OpenLineage events are evidence: once stored they are never changed or removed.
CREATE FUNCTION evalhub_refuse_change() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  RAISE EXCEPTION '% is append-only: % refused', TG_TABLE_NAME, TG_OP;
END $$;
--> statement-breakpoint
CREATE TRIGGER openlineage_events_append_only BEFORE UPDATE OR DELETE OR TRUNCATE ON openlineage_events
  FOR EACH STATEMENT EXECUTE FUNCTION evalhub_refuse_change();
--> statement-breakpoint
-- The lineage graph: one row per edge, `up` before `down` (see src/db/tables/lineage.ts).
-- Model and dataset columns get branches of their own so that `= any(ids)` on up_id or
-- down_id reaches each table's index; the project joins are LEFT JOINs on keys, which the
-- planner drops when a query does not read the project columns.
CREATE VIEW lineage_edges AS
  SELECT ri.model_version_id AS up_id, 'ModelVersion'::text AS up_type, m.project_id AS up_project_id,
         ri.run_id AS down_id, 'Run'::text AS down_type, r.project_id AS down_project_id,
         'USED'::text AS relation, ri.role AS role
    FROM run_inputs ri
    LEFT JOIN runs r ON r.id = ri.run_id
    LEFT JOIN model_versions mv ON mv.id = ri.model_version_id
    LEFT JOIN models m ON m.id = mv.model_id
   WHERE ri.model_version_id IS NOT NULL
  UNION ALL
  SELECT ri.dataset_version_id, 'DatasetVersion', d.project_id, ri.run_id, 'Run', r.project_id, 'USED', ri.role
    FROM run_inputs ri
    LEFT JOIN runs r ON r.id = ri.run_id
    LEFT JOIN dataset_versions dv ON dv.id = ri.dataset_version_id
    LEFT JOIN datasets d ON d.id = dv.dataset_id
   WHERE ri.dataset_version_id IS NOT NULL
  UNION ALL
  SELECT ro.run_id, 'Run', r.project_id, ro.model_version_id, 'ModelVersion', m.project_id, 'GENERATED', ro.name
    FROM run_outputs ro
    LEFT JOIN runs r ON r.id = ro.run_id
    LEFT JOIN model_versions mv ON mv.id = ro.model_version_id
    LEFT JOIN models m ON m.id = mv.model_id
   WHERE ro.model_version_id IS NOT NULL
  UNION ALL
  SELECT ro.run_id, 'Run', r.project_id, ro.dataset_version_id, 'DatasetVersion', d.project_id, 'GENERATED', ro.name
    FROM run_outputs ro
    LEFT JOIN runs r ON r.id = ro.run_id
    LEFT JOIN dataset_versions dv ON dv.id = ro.dataset_version_id
    LEFT JOIN datasets d ON d.id = dv.dataset_id
   WHERE ro.dataset_version_id IS NOT NULL
  UNION ALL
  SELECT f.run_id, 'Run', f.project_id, f.id, 'Finding', f.project_id, 'GENERATED', NULL
    FROM findings f
  UNION ALL
  SELECT a.run_id, 'Run', a.project_id, a.id, 'Artifact', a.project_id, 'GENERATED', NULL
    FROM artifacts a
  UNION ALL
  SELECT dv.derived_from_id, 'DatasetVersion', sd.project_id, dv.id, 'DatasetVersion', d.project_id, 'WAS_DERIVED_FROM', NULL
    FROM dataset_versions dv
    LEFT JOIN datasets d ON d.id = dv.dataset_id
    LEFT JOIN dataset_versions sv ON sv.id = dv.derived_from_id
    LEFT JOIN datasets sd ON sd.id = sv.dataset_id
   WHERE dv.derived_from_id IS NOT NULL
  UNION ALL
  SELECT t.dataset_version_id, 'DatasetVersion', d.project_id, t.model_version_id, 'ModelVersion', m.project_id, 'TRAINED_ON', NULL
    FROM model_training_data t
    LEFT JOIN dataset_versions dv ON dv.id = t.dataset_version_id
    LEFT JOIN datasets d ON d.id = dv.dataset_id
    LEFT JOIN model_versions mv ON mv.id = t.model_version_id
    LEFT JOIN models m ON m.id = mv.model_id
  UNION ALL
  SELECT r.id, 'Run', r.project_id, r.parent_run_id, 'Run', p.project_id, 'PART_OF', r.step_id
    FROM runs r
    LEFT JOIN runs p ON p.id = r.parent_run_id
   WHERE r.parent_run_id IS NOT NULL
  UNION ALL
  SELECT r.workflow_version_id, 'WorkflowVersion', w.project_id, r.id, 'Run', r.project_id, 'EXECUTED', r.step_id
    FROM runs r
    LEFT JOIN workflow_versions wv ON wv.id = r.workflow_version_id
    LEFT JOIN workflows w ON w.id = wv.workflow_id
   WHERE r.workflow_version_id IS NOT NULL;
