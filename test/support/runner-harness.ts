// Runs a runner module outside the hub, as the engine would (validated config, resolved
// inputs, a scratch folder), and collects what it emits: for tests of a runner's numbers,
// findings and artifacts without a database.
import { randomUUID } from 'node:crypto';
import { cpSync, mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { z } from 'zod';
import type {
  ArtifactEmission,
  DatasetOutputEmission,
  FindingEmission,
  MetricEmission,
  ResolvedInput,
  RunnerModule,
  StoredDatasetOutput,
  VersionKind,
} from '../../src/runners/contract.ts';
import { coreutilsFileDigest, coreutilsFolderDigest } from './files.ts';

export interface Emitted {
  metrics: MetricEmission[];
  findings: FindingEmission[];
  artifacts: ArtifactEmission[];
  progress: { fraction?: number; stage?: string; message?: string }[];
  logs: { level: string; message: string }[];
  datasetOutputs: (DatasetOutputEmission & { stored: StoredDatasetOutput })[];
}

/** A version as the engine resolves it, for a file or folder on disk. */
export function resolvedInput(
  role: string,
  kind: VersionKind,
  path: string,
  format: string,
  extra: {
    labels?: string[] | null;
    metadata?: Record<string, unknown>;
    itemCount?: number | null;
  } = {},
): ResolvedInput {
  const digest = statSync(path).isDirectory()
    ? coreutilsFolderDigest(path)
    : coreutilsFileDigest(path);
  return {
    role,
    kind,
    id: randomUUID(),
    ref: `test/${role}@v1`,
    digest,
    uri: pathToFileURL(path).href,
    localPath: path,
    format,
    metadata: extra.metadata ?? {},
    labels: extra.labels ?? null,
    itemCount: extra.itemCount ?? null,
  };
}

/**
 * Runs `runner` with `config` (completed by its schema, as the engine does) and collects its
 * emissions. Throws what the runner throws. Dataset outputs are copied to a store folder
 * that lives until `cleanup`.
 */
export async function runRunner<S extends z.ZodType>(
  runner: RunnerModule<S>,
  options: {
    inputs?: ResolvedInput[];
    config?: unknown;
    seed?: number;
    signal?: AbortSignal;
  } = {},
): Promise<Emitted & { cleanup: () => void }> {
  const workDir = mkdtempSync(join(tmpdir(), 'evalhub-runner-work-'));
  const store = mkdtempSync(join(tmpdir(), 'evalhub-runner-store-'));
  const emitted: Emitted = {
    metrics: [],
    findings: [],
    artifacts: [],
    progress: [],
    logs: [],
    datasetOutputs: [],
  };
  const inputs: Record<string, ResolvedInput[]> = {};
  for (const input of options.inputs ?? []) {
    inputs[input.role] = [...(inputs[input.role] ?? []), input];
  }
  const names = new Set<string>();
  try {
    await runner.run({
      runId: randomUUID(),
      inputs,
      config: runner.config.parse(options.config ?? {}),
      seed: options.seed ?? 0,
      signal: options.signal ?? new AbortController().signal,
      workDir,
      emit: {
        progress: (p) => emitted.progress.push(p),
        log: (level, message) => emitted.logs.push({ level, message }),
        metric: (m) => {
          if (!Number.isFinite(m.value))
            throw new Error(`metric ${m.key} is not finite: ${m.value}`);
          emitted.metrics.push(m);
        },
        finding: (f) => emitted.findings.push(f),
        artifact: (a) => {
          if (names.has(a.name)) throw new Error(`artifact ${a.name} emitted twice`);
          names.add(a.name);
          emitted.artifacts.push(a);
        },
        datasetOutput: async (output) => {
          const source = inputs[output.derivedFrom]?.[0];
          if (!source) throw new Error(`no input ${output.derivedFrom} to derive from`);
          const localPath = join(store, output.name);
          cpSync(output.path, localPath, { recursive: true });
          const digest = statSync(localPath).isDirectory()
            ? coreutilsFolderDigest(localPath)
            : coreutilsFileDigest(localPath);
          const stored = {
            id: randomUUID(),
            ref: `${source.ref}~${output.name}`,
            digest,
            uri: pathToFileURL(localPath).href,
            localPath,
          };
          emitted.datasetOutputs.push({ ...output, stored });
          return stored;
        },
        flushed: async () => {},
      },
    });
  } finally {
    rmSync(workDir, { recursive: true, force: true });
  }
  return { ...emitted, cleanup: () => rmSync(store, { recursive: true, force: true }) };
}

/** The metric of `key` (and exactly `slice`), failing when there is not exactly one. */
export function metricOf(
  emitted: Emitted,
  key: string,
  slice: Record<string, string> = {},
): MetricEmission {
  const same = (a: Record<string, string>) =>
    JSON.stringify(Object.entries(a).sort()) === JSON.stringify(Object.entries(slice).sort());
  const found = emitted.metrics.filter((m) => m.key === key && same(m.slice ?? {}));
  if (found.length !== 1)
    throw new Error(`expected one metric ${key} ${JSON.stringify(slice)}, found ${found.length}`);
  return found[0]!;
}
