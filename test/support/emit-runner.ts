// A runner for tests that emits exactly what its config lists (metrics, findings, JSON
// artifacts), or fails: results with known values, made through the real run engine.
import { z } from 'zod';
import { defineRunner } from '../../src/runners/contract.ts';

export const emitRunner = defineRunner({
  id: 'emit',
  version: '1.0.0',
  description: 'Test runner: emits what its config says.',
  inputs: [
    { role: 'model', kind: 'MODEL_VERSION', description: 'A model.', optional: true },
    { role: 'dataset', kind: 'DATASET_VERSION', description: 'A dataset.', optional: true },
  ],
  config: z
    .object({
      metrics: z
        .array(
          z.object({
            key: z.string(),
            value: z.number(),
            step: z.number().int().default(0),
            slice: z.record(z.string(), z.string()).optional(),
            ci: z.object({ lower: z.number(), upper: z.number(), level: z.number() }).optional(),
          }),
        )
        .default([]),
      findings: z
        .array(
          z.object({
            kind: z.string(),
            severity: z.enum(['INFO', 'LOW', 'MEDIUM', 'HIGH', 'CRITICAL']),
            title: z.string(),
            summary: z.string().default(''),
          }),
        )
        .default([]),
      artifacts: z.array(z.object({ name: z.string(), json: z.unknown() })).default([]),
      fail: z.string().optional(),
    })
    .strict(),
  async run({ config, emit }) {
    for (const metric of config.metrics) emit.metric(metric);
    for (const finding of config.findings) emit.finding(finding);
    for (const artifact of config.artifacts)
      emit.artifact({
        name: artifact.name,
        mediaType: 'application/json',
        bytes: Buffer.from(JSON.stringify(artifact.json)),
      });
    if (config.fail) throw new Error(config.fail);
  },
});
