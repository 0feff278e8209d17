// A runner for tests that emits exactly what its config lists (metrics, findings, JSON
// artifacts, derived datasets), or fails: results with known values, made through the real run engine.
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
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
      /** JSON artifacts, or, with `text`, artifacts of that text and media type (an SVG...). */
      artifacts: z
        .array(
          z.object({
            name: z.string(),
            json: z.unknown(),
            text: z.string().optional(),
            mediaType: z.string().default('application/json'),
          }),
        )
        .default([]),
      /** Datasets to make, each a folder with one file, derived from the dataset input. */
      outputs: z.array(z.object({ name: z.string(), content: z.string() })).default([]),
      fail: z.string().optional(),
    })
    .strict(),
  async run({ config, emit, workDir }) {
    for (const metric of config.metrics) emit.metric(metric);
    for (const finding of config.findings) emit.finding(finding);
    for (const artifact of config.artifacts)
      emit.artifact({
        name: artifact.name,
        mediaType: artifact.mediaType,
        bytes: Buffer.from(artifact.text ?? JSON.stringify(artifact.json)),
      });
    for (const output of config.outputs) {
      const folder = join(workDir, output.name);
      await mkdir(folder, { recursive: true });
      await writeFile(join(folder, 'data.txt'), output.content);
      await emit.datasetOutput({
        name: output.name,
        path: folder,
        format: 'OTHER',
        derivedFrom: 'dataset',
        transform: { name: 'rewrite', content: output.content },
      });
    }
    if (config.fail) throw new Error(config.fail);
  },
});
