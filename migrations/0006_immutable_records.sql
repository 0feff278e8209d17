-- Records nobody can quietly change. The audit chain and the versions of models and
-- datasets are never updated or removed; what a finished run took and concluded (its
-- inputs, config, metrics, findings) is frozen once the run ends. Runs still in progress
-- change freely: their status moves on, leases are renewed, and a retried attempt's results
-- are discarded while the run is back in the queue. (Dropping these triggers takes the
-- database owner; what such a person changes, `evalhub audit verify` finds.)
CREATE TRIGGER audit_log_append_only BEFORE UPDATE OR DELETE OR TRUNCATE ON audit_log
  FOR EACH STATEMENT EXECUTE FUNCTION evalhub_refuse_change();
--> statement-breakpoint
CREATE TRIGGER audit_anchor_kept BEFORE DELETE OR TRUNCATE ON audit_anchor
  FOR EACH STATEMENT EXECUTE FUNCTION evalhub_refuse_change();
--> statement-breakpoint
CREATE TRIGGER model_versions_append_only BEFORE UPDATE OR DELETE OR TRUNCATE ON model_versions
  FOR EACH STATEMENT EXECUTE FUNCTION evalhub_refuse_change();
--> statement-breakpoint
CREATE TRIGGER dataset_versions_append_only BEFORE UPDATE OR DELETE OR TRUNCATE ON dataset_versions
  FOR EACH STATEMENT EXECUTE FUNCTION evalhub_refuse_change();
--> statement-breakpoint
CREATE FUNCTION evalhub_run_finished(run uuid) RETURNS boolean LANGUAGE sql STABLE AS $$
  SELECT status IN ('SUCCEEDED', 'FAILED', 'CANCELLED') FROM runs WHERE id = run
$$;
--> statement-breakpoint
-- A finished run keeps what it ran: its runner, config, seed, run key, project and author.
CREATE FUNCTION evalhub_freeze_finished_run() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF OLD.status IN ('SUCCEEDED', 'FAILED', 'CANCELLED') AND (TG_OP = 'DELETE' OR
      (NEW.id, NEW.project_id, NEW.runner_id, NEW.runner_version, NEW.config, NEW.seed,
       NEW.run_key, NEW.created_by)
      IS DISTINCT FROM
      (OLD.id, OLD.project_id, OLD.runner_id, OLD.runner_version, OLD.config, OLD.seed,
       OLD.run_key, OLD.created_by)) THEN
    RAISE EXCEPTION 'run % is finished: % of what it ran is refused', OLD.id, TG_OP;
  END IF;
  RETURN CASE WHEN TG_OP = 'DELETE' THEN OLD ELSE NEW END;
END $$;
--> statement-breakpoint
CREATE TRIGGER runs_finished_frozen BEFORE UPDATE OR DELETE ON runs
  FOR EACH ROW EXECUTE FUNCTION evalhub_freeze_finished_run();
--> statement-breakpoint
CREATE TRIGGER runs_append_only BEFORE TRUNCATE ON runs
  FOR EACH STATEMENT EXECUTE FUNCTION evalhub_refuse_change();
--> statement-breakpoint
-- The inputs, metrics and findings of a finished run.
CREATE FUNCTION evalhub_freeze_finished_results() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF evalhub_run_finished(OLD.run_id) THEN
    RAISE EXCEPTION 'run % is finished: % of its % is refused', OLD.run_id, TG_OP, TG_TABLE_NAME;
  END IF;
  RETURN CASE WHEN TG_OP = 'DELETE' THEN OLD ELSE NEW END;
END $$;
--> statement-breakpoint
CREATE TRIGGER run_inputs_finished_frozen BEFORE UPDATE OR DELETE ON run_inputs
  FOR EACH ROW EXECUTE FUNCTION evalhub_freeze_finished_results();
--> statement-breakpoint
CREATE TRIGGER metrics_finished_frozen BEFORE UPDATE OR DELETE ON metrics
  FOR EACH ROW EXECUTE FUNCTION evalhub_freeze_finished_results();
--> statement-breakpoint
-- A finished run's findings keep what the run concluded; only their triage status moves
-- (triageFinding, which records each change in the audit log).
CREATE FUNCTION evalhub_freeze_finished_findings() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF evalhub_run_finished(OLD.run_id) AND (TG_OP = 'DELETE' OR
      (NEW.id, NEW.project_id, NEW.run_id, NEW.kind, NEW.severity, NEW.title, NEW.summary,
       NEW.evidence, NEW.subject_model_version_id, NEW.subject_dataset_version_id,
       NEW.requirement, NEW.created_at)
      IS DISTINCT FROM
      (OLD.id, OLD.project_id, OLD.run_id, OLD.kind, OLD.severity, OLD.title, OLD.summary,
       OLD.evidence, OLD.subject_model_version_id, OLD.subject_dataset_version_id,
       OLD.requirement, OLD.created_at)) THEN
    RAISE EXCEPTION 'run % is finished: % of its findings is refused', OLD.run_id, TG_OP;
  END IF;
  RETURN CASE WHEN TG_OP = 'DELETE' THEN OLD ELSE NEW END;
END $$;
--> statement-breakpoint
CREATE TRIGGER findings_finished_frozen BEFORE UPDATE OR DELETE ON findings
  FOR EACH ROW EXECUTE FUNCTION evalhub_freeze_finished_findings();
--> statement-breakpoint
CREATE TRIGGER run_inputs_append_only BEFORE TRUNCATE ON run_inputs
  FOR EACH STATEMENT EXECUTE FUNCTION evalhub_refuse_change();
--> statement-breakpoint
CREATE TRIGGER metrics_append_only BEFORE TRUNCATE ON metrics
  FOR EACH STATEMENT EXECUTE FUNCTION evalhub_refuse_change();
--> statement-breakpoint
CREATE TRIGGER findings_append_only BEFORE TRUNCATE ON findings
  FOR EACH STATEMENT EXECUTE FUNCTION evalhub_refuse_change();
