-- A reproduction is an edge of the lineage graph: the new run REPRODUCES the run it
-- re-executed (up: the original, as what a reproduction rests on; down: the reproduction).
-- Both are in the same project. The rest of the view is as 0002 made it.
CREATE OR REPLACE VIEW lineage_edges AS
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
   WHERE r.workflow_version_id IS NOT NULL
  UNION ALL
  SELECT r.reproduces_id, 'Run', r.project_id, r.id, 'Run', r.project_id, 'REPRODUCES', NULL
    FROM runs r
   WHERE r.reproduces_id IS NOT NULL;
