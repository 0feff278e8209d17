// A diagnostic runner: emits a stream of progress, log and metric events at a chosen rate,
// to check a deployment's event throughput and the subscriptions that watch it.
import { setTimeout as sleep } from 'node:timers/promises';
import { z } from 'zod';
import { defineRunner } from './contract.ts';

export const eventGeneratorRunner = defineRunner({
  id: 'event-generator',
  version: '1.0.0',
  description:
    'Diagnostics: emits `events` events (metrics, logs and progress in turn) at `ratePerSecond` (0: as fast as they are stored), then succeeds.',
  inputs: [],
  config: z
    .object({
      events: z
        .number()
        .int()
        .min(1)
        .max(10_000_000)
        .default(100)
        .describe('How many events to emit.'),
      ratePerSecond: z
        .number()
        .min(0)
        .max(1_000_000)
        .default(0)
        .describe('Events per second; 0 for no limit.'),
      failAt: z
        .number()
        .int()
        .min(1)
        .optional()
        .describe('Fail after this many events, to see how a failure is recorded.'),
    })
    .strict(),
  async run({ config, emit, signal }) {
    const started = performance.now();
    for (let i = 1; i <= config.events; i += 1) {
      signal.throwIfAborted();
      if (config.failAt === i) throw new Error(`failing at event ${i}, as configured`);
      if (i % 3 === 0) emit.log('info', `event ${i} of ${config.events}`);
      else if (i % 3 === 1) emit.metric({ key: 'generated', value: i, step: i });
      else
        emit.progress({
          fraction: i / config.events,
          stage: 'emitting',
          message: `${i} of ${config.events}`,
        });
      if (config.ratePerSecond > 0) {
        const due = started + (i * 1000) / config.ratePerSecond;
        const wait = due - performance.now();
        if (wait > 1) await sleep(wait, undefined, { signal });
      } else if (i % 1000 === 0) {
        await emit.flushed();
      }
    }
  },
});
