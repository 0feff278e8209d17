// A runner for tests that emits its metrics, then waits at a gate (a file) until the test
// opens it: a run that cannot end before the test has done what it needs mid-run.
import { existsSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import { z } from 'zod';
import { defineRunner } from '../../src/runners/contract.ts';

export const gateRunner = defineRunner({
  id: 'gate',
  version: '1.0.0',
  description: 'Test runner: emits `metrics` metrics, then waits until the file `gate` exists.',
  inputs: [],
  config: z.object({ metrics: z.number().int().min(0), gate: z.string() }).strict(),
  async run({ config, emit, signal }) {
    for (let i = 1; i <= config.metrics; i += 1)
      emit.metric({ key: 'before-gate', value: i, step: i });
    await emit.flushed();
    while (!existsSync(config.gate)) await sleep(50, undefined, { signal });
  },
});

export default gateRunner;
