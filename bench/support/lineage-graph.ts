// A realistic lineage graph at scale, generated inside PostgreSQL with generate_series:
// projects; models and datasets with versions and derivation chains that run across
// datasets (up to ~50 versions deep); workflows whose runs have steps; evaluation runs
// that use model and dataset versions; robustness runs that generate perturbed versions;
// metrics, findings and artifacts. At scale 1 it is
// about 1M lineage edges, 200k runs, 2M metrics and 100k findings.
//
// Ids are md5 hashes of (kind, number), so every statement can link to rows another one
// made without reading them back, and a rerun makes the same graph.
import type { Sql } from 'postgres';

export interface LineageGraphSize {
  projects: number;
  models: number;
  datasets: number;
  versionsPerItem: number;
  workflows: number;
  workflowRuns: number;
  stepsPerWorkflowRun: number;
  evaluationRuns: number;
  findings: number;
}

export function lineageGraphSize(scale: number): LineageGraphSize {
  const n = (value: number) => Math.max(1, Math.round(value * scale));
  return {
    projects: 20,
    models: n(2000),
    datasets: n(4000),
    versionsPerItem: 5,
    workflows: n(400),
    workflowRuns: n(10_000),
    stepsPerWorkflowRun: 5,
    evaluationRuns: n(140_000),
    findings: n(100_000),
  };
}

const id = (kind: string, number: string) => `md5('${kind}:' || (${number}))::uuid`;

const WORDS = `array['resnet','vit','yolo','detr','efficientnet','mobilenet','convnext','satellite',
  'aerial','vehicles','ships','aircraft','thermal','night','urban','maritime','drone','medical',
  'retina','xray','traffic','pedestrians','wildlife','crops','flood','wildfire']`;

/** Makes the graph in one transaction; `sql` is a connection to an empty, migrated database. */
export async function generateLineageGraph(sql: Sql, size: LineageGraphSize): Promise<void> {
  const { projects: P, models: M, datasets: D, versionsPerItem: V, workflows: W } = size;
  const steps = size.workflowRuns * size.stepsPerWorkflowRun;
  // Every evaluation-like run (steps and standalone) is numbered 0..E-1 for inputs and results.
  const E = steps + size.evaluationRuns;
  /** The project of evaluation run e: its workflow's project for a step, else its own. */
  const runProject = (e: string) =>
    `case when ${e} < ${steps} then ${id('project', `((${e} / ${size.stepsPerWorkflowRun}) % ${W}) % ${P}`)}
          else ${id('project', `${e} % ${P}`)} end`;
  const statements = [
    `insert into projects (id, slug, name, description)
       select ${id('project', 'i')}, 'p' || i, 'Project ' || i, 'Generated for the benchmarks'
       from generate_series(0, ${P - 1}) i`,
    `insert into models (id, project_id, name, description, task, tags, created_at, updated_at)
       select ${id('model', 'i')}, ${id('project', `i % ${P}`)},
              (${WORDS})[1 + i % 26] || '-' || (${WORDS})[1 + (i / 26) % 26] || '-' || i,
              'A ' || (${WORDS})[1 + (i * 7) % 26] || ' classifier for ' || (${WORDS})[1 + (i * 11) % 26] || ' imagery',
              case when i % 3 = 0 then 'OBJECT_DETECTION' else 'IMAGE_CLASSIFICATION' end,
              array[(${WORDS})[1 + (i * 5) % 26], 'team-' || (i % 7)],
              now() - (i % 365) * interval '1 day', now()
       from generate_series(0, ${M - 1}) i`,
    `insert into model_versions (id, model_id, version, uri, format, digest, created_by, created_at)
       select ${id('mv', `i * ${V} + v`)}, ${id('model', 'i')}, 'v' || (v + 1),
              's3://models/' || i || '/v' || (v + 1) || '.onnx', 'ONNX',
              'sha256:' || md5('mvd' || i || ':' || v) || md5('mvd2' || i || ':' || v), 'bench',
              now() - (i % 365) * interval '1 day' + v * interval '1 hour'
       from generate_series(0, ${M - 1}) i, generate_series(0, ${V - 1}) v`,
    `insert into datasets (id, project_id, name, description, task, tags, created_at, updated_at)
       select ${id('dataset', 'i')}, ${id('project', `i % ${P}`)},
              (${WORDS})[1 + (i * 3) % 26] || '-' || (${WORDS})[1 + (i / 26) % 26] || '-set-' || i,
              'Images of ' || (${WORDS})[1 + (i * 13) % 26] || ' scenes',
              case when i % 3 = 0 then 'OBJECT_DETECTION' else 'IMAGE_CLASSIFICATION' end,
              array[(${WORDS})[1 + (i * 17) % 26]], now() - (i % 365) * interval '1 day', now()
       from generate_series(0, ${D - 1}) i`,
    // Version v derives from v-1 of the same dataset; the first version of most datasets
    // derives from the last version of the dataset before it, so chains run ~50 deep.
    `insert into dataset_versions (id, dataset_id, version, uri, format, digest, item_count, labels,
                                   derived_from_id, transform, created_by, created_at)
       select ${id('dv', `i * ${V} + v`)}, ${id('dataset', 'i')}, 'v' || (v + 1),
              's3://datasets/' || i || '/v' || (v + 1), 'IMAGE_FOLDER',
              'sha256:' || md5('dvd' || i || ':' || v) || md5('dvd2' || i || ':' || v),
              1000 + (i % 50) * 100, array['cat','dog','car','ship'],
              case when v > 0 then ${id('dv', `i * ${V} + v - 1`)}
                   when i % 10 <> 0 then ${id('dv', `(i - 1) * ${V} + ${V - 1}`)} end,
              case when v > 0 or i % 10 <> 0 then '{"name":"relabel"}'::jsonb end,
              'bench', now() - (i % 365) * interval '1 day' + v * interval '1 hour'
       from generate_series(0, ${D - 1}) i, generate_series(0, ${V - 1}) v
       order by i, v`,
    `insert into model_training_data (model_version_id, dataset_version_id)
       select ${id('mv', 'i')}, ${id('dv', `(i * 7 + k) % ${D * V}`)}
       from generate_series(0, ${M * V - 1}) i, generate_series(0, 1) k`,
    `insert into workflows (id, project_id, name, description, tags)
       select ${id('workflow', 'i')}, ${id('project', `i % ${P}`)}, 'acceptance-' || i,
              'Acceptance tests for ' || (${WORDS})[1 + i % 26] || ' models', array['acceptance']
       from generate_series(0, ${W - 1}) i`,
    `insert into workflow_versions (id, workflow_id, number, digest, spec, created_by)
       select ${id('wv', `i * 3 + v`)}, ${id('workflow', 'i')}, v + 1,
              'sha256:' || md5('wvd' || i || ':' || v) || md5('wvd2' || i || ':' || v),
              '{"steps":[]}'::jsonb, 'bench'
       from generate_series(0, ${W - 1}) i, generate_series(0, 2) v`,
    // Workflow runs first (their steps point at them), then steps, then standalone runs.
    `insert into runs (id, project_id, name, runner_id, runner_version, workflow_version_id, status,
                       run_key, seed, created_by, created_at, updated_at, started_at, finished_at)
       select ${id('wrun', 'i')}, ${id('project', `(i % ${W}) % ${P}`)}, 'acceptance run ' || i,
              'workflow', '1.0.0', ${id('wv', `(i % ${W}) * 3 + i % 3`)}, 'SUCCEEDED',
              md5('wrk' || i), 0, 'bench', t, t, t, t + interval '10 minutes'
       from generate_series(0, ${size.workflowRuns - 1}) i,
            lateral (select now() - (i % 365) * interval '1 day' - (i % 997) * interval '1 second' as t) time`,
    `insert into runs (id, project_id, name, runner_id, runner_version, workflow_version_id,
                       parent_run_id, step_id, status, run_key, config, seed, tags, created_by,
                       created_at, updated_at, started_at, finished_at)
       select ${id('erun', 'e')}, project, null, runner, '1.0.0', wv, parent, step, status,
              md5('rk' || e), jsonb_build_object('batchSize', 32 + e % 4 * 32), e % 1000,
              array['team-' || (e % 7)], 'bench', t, t, t, t + interval '3 minutes'
       from generate_series(0, ${E - 1}) e,
       lateral (select
         ${runProject('e')} as project,
         (array['evaluate-classification','evaluate-detection','profile-dataset','drift','robustness'])[1 + e % 5] as runner,
         case when e < ${steps} then ${id('wv', `((e / ${size.stepsPerWorkflowRun}) % ${W}) * 3 + (e / ${size.stepsPerWorkflowRun}) % 3`)} end as wv,
         case when e < ${steps} then ${id('wrun', `e / ${size.stepsPerWorkflowRun}`)} end as parent,
         case when e < ${steps} then 'step-' || (e % ${size.stepsPerWorkflowRun}) end as step,
         (case when e % 50 = 0 then 'FAILED' else 'SUCCEEDED' end)::run_status as status,
         now() - (e % 365) * interval '1 day' - (e % 86399) * interval '1 second' as t) r`,
    // Each run uses a model version and a dataset version; a quarter also a reference set.
    `insert into run_inputs (run_id, role, position, model_version_id)
       select ${id('erun', 'e')}, 'model', 0, ${id('mv', `(e * 31) % ${M * V}`)}
       from generate_series(0, ${E - 1}) e`,
    `insert into run_inputs (run_id, role, position, dataset_version_id)
       select ${id('erun', 'e')}, 'dataset', 0, ${id('dv', `(e * 17) % ${D * V}`)}
       from generate_series(0, ${E - 1}) e`,
    `insert into run_inputs (run_id, role, position, dataset_version_id)
       select ${id('erun', 'e')}, 'reference', 0, ${id('dv', `(e * 29 + 3) % ${D * V}`)}
       from generate_series(0, ${E - 1}) e where e % 4 = 0`,
    // A robustness run in twenty generates a perturbed version of the dataset version it
    // used: a new leaf of that dataset, derived from its input. (Were the generated version
    // one in the middle of another chain, every chain would lead through runs and models to
    // every other one, and a finding's lineage would be the whole graph.)
    `insert into dataset_versions (id, dataset_id, version, uri, format, digest, item_count, labels,
                                   derived_from_id, transform, created_by, created_at)
       select ${id('pdv', 'e')}, ${id('dataset', `source / ${V}`)}, 'perturbed-' || e,
              's3://datasets/perturbed/' || e, 'IMAGE_FOLDER',
              'sha256:' || md5('pdvd' || e) || md5('pdvd2' || e), 1000, array['cat','dog','car','ship'],
              ${id('dv', 'source')}, '{"name":"gaussian_blur","sigma":2}'::jsonb, 'bench',
              now() - (e % 365) * interval '1 day' - (e % 86399) * interval '1 second' + interval '3 minutes'
       from generate_series(0, ${E - 1}) e, lateral (select (e * 17) % ${D * V} as source) s
       where e % 20 = 4`,
    `insert into run_outputs (run_id, name, dataset_version_id)
       select ${id('erun', 'e')}, 'perturbed', ${id('pdv', 'e')}
       from generate_series(0, ${E - 1}) e where e % 20 = 4`,
    `insert into metrics (run_id, key, value, step, slice, slice_key, ci_lower, ci_upper, ci_level,
                          sample_size, created_at)
       select ${id('erun', 'e')}, k.key, v.value, 0, '{}'::jsonb, '', v.value - 0.02, v.value + 0.02,
              0.95, 1000, now()
       from generate_series(0, ${E - 1}) e,
            unnest(array['accuracy','f1_macro','precision_macro','recall_macro','ece','top5_accuracy',
                         'ap','ap50','ar100','loss']) with ordinality k(key, n),
            lateral (select ((hashint4(e * 10 + n::int) & 65535) / 65535.0)::float8 as value) v`,
    `insert into findings (id, project_id, run_id, kind, severity, title, summary, evidence,
                           subject_model_version_id, subject_dataset_version_id, created_at, updated_at)
       select ${id('finding', 'f')}, ${runProject('e')}, ${id('erun', 'e')}, kind,
              (array['INFO','LOW','MEDIUM','HIGH','CRITICAL'])[1 + f % 5]::finding_severity,
              case kind
                when 'REQUIREMENT_FAILED' then 'accuracy below 0.85 at blur sigma ' || (f % 5)
                when 'DRIFT' then 'drift detected in ' || (${WORDS})[1 + f % 26] || ' brightness'
                when 'LABEL_PROBLEM' then 'labels outside the label set in ' || (${WORDS})[1 + f % 26]
                else 'near duplicate images in ' || (${WORDS})[1 + f % 26] end,
              'Found by run ' || e || ' on ' || (${WORDS})[1 + (f * 3) % 26] || ' data', '{}'::jsonb,
              ${id('mv', `(e * 31) % ${M * V}`)}, ${id('dv', `(e * 17) % ${D * V}`)},
              now() - (e % 365) * interval '1 day', now()
       from generate_series(0, ${size.findings - 1}) f,
            lateral (select (f * 7919) % ${E} as e,
                     (array['REQUIREMENT_FAILED','DRIFT','LABEL_PROBLEM','DUPLICATES'])[1 + f % 4] as kind) x`,
    `insert into artifacts (id, project_id, run_id, name, media_type, digest, size_bytes)
       select ${id('artifact', `e * 3 + a`)}, ${runProject('e')}, ${id('erun', 'e')},
              (array['confusion-matrix.json','report.html','per-item/accuracy.json'])[1 + a],
              'application/json', 'sha256:' || md5('a' || e || ':' || a) || md5('b' || e || ':' || a), 1024
       from generate_series(0, ${E - 1}) e, generate_series(0, 2) a where a < 2 or e % 2 = 0`,
  ];
  await sql.begin(async (tx) => {
    for (const statement of statements) await tx.unsafe(statement);
  });
  await sql.unsafe('analyze');
}
