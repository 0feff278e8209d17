import { builder } from './builder.ts';

export const RunStatusEnum = builder.enumType('RunStatus', {
  description:
    'Where a run is: QUEUED -> RUNNING -> SUCCEEDED | FAILED | CANCELLED. The last three never change.',
  values: {
    QUEUED: { description: 'Waiting for a worker.' },
    RUNNING: {
      description: 'A worker is executing it (or, for a workflow run, its steps are under way).',
    },
    SUCCEEDED: { description: 'It finished; its results are final.' },
    FAILED: { description: 'It stopped on an error; `error` says which.' },
    CANCELLED: { description: 'Someone cancelled it.' },
  },
});
