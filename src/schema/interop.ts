// Records of neighbouring tools brought into the graph: checkmaite run records.
// (OpenLineage has its own REST endpoints, src/http/lineage-api.ts.)
import { importCheckmaiteRun } from '../resolvers/interop/checkmaite/import.ts';
import type { RunRow } from '../resolvers/runs/status.ts';
import { builder } from './builder.ts';
import { resultUnion } from './errors.ts';
import { RunRef } from './refs.ts';

const ImportCheckmaiteRunInput = builder.inputType('ImportCheckmaiteRunInput', {
  description: 'A checkmaite run record to import.',
  fields: (t) => ({
    project: t.string({
      required: true,
      description: 'Project slug; created on first use. The MAITE ids are looked up in it.',
    }),
    record: t.field({
      type: 'JSON',
      required: true,
      description:
        'The record: checkmaite\'s run as JSON (`run.model_dump(mode="json")`) with its `run_uid` added: {run_uid, capability_id, config, dataset_metadata, model_metadata, metric_metadata, outputs}.',
    }),
  }),
});

const ImportCheckmaiteRunPayload = builder
  .objectRef<{ run: RunRow; created: boolean }>('ImportCheckmaiteRunPayload')
  .implement({
    description: 'The run the record became.',
    fields: (t) => ({
      run: t.field({
        type: RunRef,
        description:
          'The run: source "checkmaite", externalId the run_uid, with its inputs, metrics, findings and the record as an artifact.',
        resolve: (payload) => payload.run,
      }),
      created: t.exposeBoolean('created', {
        description:
          'False when this record had been imported before: the run is the one made then.',
      }),
    }),
  });

builder.mutationField('importCheckmaiteRun', (t) =>
  t.field({
    type: ImportCheckmaiteRunPayload,
    description:
      'Imports a checkmaite run record as a finished run (docs/interop.md has the mapping). The same record into the same project again returns the same run; another record with the same run_uid in the project is a ConflictError. A run_uid names a run within its project: another project may have its own.',
    args: {
      input: t.arg({
        type: ImportCheckmaiteRunInput,
        required: true,
        description: 'The project and the record.',
      }),
    },
    errors: resultUnion('ImportCheckmaiteRunResult'),
    resolve: (_root, { input }, ctx) =>
      importCheckmaiteRun(ctx, { project: input.project, record: input.record }),
  }),
);
