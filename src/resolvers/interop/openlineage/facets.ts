// How the hub names OpenLineage things, and the custom facets it writes so that its own
// runs survive a round trip through OpenLineage (docs/interop.md describes them).
import { createHash } from 'node:crypto';
import { z } from 'zod';

export const OPENLINEAGE_SOURCE = 'openlineage';
export const OPENLINEAGE_RUN_EVENT_SCHEMA =
  'https://openlineage.io/spec/2-0-2/OpenLineage.json#/$defs/RunEvent';
export const EVALHUB_PRODUCER = 'https://github.com/evalhub/evalhub';
/** Names the hub's own facets' schema; docs/interop.md describes each facet and its JSON. */
export const EVALHUB_FACET_SCHEMA = 'urn:evalhub:openlineage-facets:1';

/** Facet keys of the hub's own facets. */
export const FACETS = {
  /** On a run: what a hub run was (runner, config, seed, workflow). */
  run: 'evalhub_run',
  /** On a run's last event: what it concluded (metrics, findings, artifacts). */
  results: 'evalhub_results',
  /** On a dataset: the model or dataset version it stands for, with its lineage. */
  version: 'evalhub_version',
} as const;

export const facetHeader = (name: string) => ({
  _producer: EVALHUB_PRODUCER,
  _schemaURL: `${EVALHUB_FACET_SCHEMA}#/$defs/${name}`,
});

const json = z.record(z.string(), z.unknown());
const kind = z.enum(['MODEL_VERSION', 'DATASET_VERSION']);

interface VersionFacetShape {
  kind: 'MODEL_VERSION' | 'DATASET_VERSION';
  project: string;
  name: string;
  task: string;
  version: string;
  digest: string;
  uri: string;
  format: string;
  sizeBytes: number | null;
  labels: string[] | null;
  itemCount: number | null;
  metadata: Record<string, unknown>;
  /** The input role it was used under (inputs). */
  role?: string | undefined;
  /** The output name it was generated under (outputs). */
  output?: string | undefined;
  derivedFrom?: (VersionFacetShape & { transform: Record<string, unknown> }) | null | undefined;
  trainedOn?: VersionFacetShape[] | undefined;
}

/** A version as the evalhub_version facet describes it, with its lineage. */
export const versionFacet: z.ZodType<VersionFacetShape> = z.lazy(() =>
  z.object({
    kind,
    project: z.string(),
    name: z.string(),
    task: z.string(),
    version: z.string(),
    digest: z.string().regex(/^sha256:[0-9a-f]{64}$/),
    uri: z.string(),
    format: z.string(),
    sizeBytes: z.number().nullable(),
    labels: z.array(z.string()).nullable(),
    itemCount: z.number().int().nullable(),
    metadata: json,
    role: z.string().optional(),
    output: z.string().optional(),
    derivedFrom: versionFacet
      .and(z.object({ transform: json }))
      .nullable()
      .optional(),
    trainedOn: z.array(versionFacet).optional(),
  }),
);
export type VersionFacet = z.infer<typeof versionFacet>;

/** What a hub run was: its runner, config, seed and workflow. */
export const runFacet = z.object({
  project: z.string(),
  name: z.string().nullable(),
  runnerId: z.string().min(1),
  runnerVersion: z.string(),
  config: json,
  seed: z.number().int().min(0).max(2_147_483_647),
  runKey: z.string(),
  tags: z.array(z.string()),
  stepId: z.string().nullable(),
  environment: json,
  workflow: z
    .object({
      project: z.string(),
      name: z.string(),
      description: z.string(),
      number: z.number().int(),
      digest: z.string(),
      spec: json,
    })
    .nullable(),
});
export type RunFacet = z.infer<typeof runFacet>;

const severity = z.enum(['INFO', 'LOW', 'MEDIUM', 'HIGH', 'CRITICAL']);

/** What a hub run concluded: metrics, findings, artifacts (small ones with their bytes). */
export const resultsFacet = z.object({
  metrics: z.array(
    z.object({
      key: z.string().min(1),
      value: z.number(),
      step: z.number().int(),
      slice: z.record(z.string(), z.string()),
      ciLower: z.number().nullable(),
      ciUpper: z.number().nullable(),
      ciLevel: z.number().nullable(),
      sampleSize: z.number().int().nullable(),
    }),
  ),
  findings: z.array(
    z.object({
      kind: z.string().min(1),
      severity,
      status: z.enum(['OPEN', 'CONFIRMED', 'DISMISSED', 'RESOLVED']),
      title: z.string(),
      summary: z.string(),
      evidence: json,
      requirement: json.nullable(),
      subject: z
        .object({ kind, project: z.string(), name: z.string(), digest: z.string() })
        .nullable(),
    }),
  ),
  artifacts: z.array(
    z.object({
      name: z.string().min(1),
      mediaType: z.string(),
      digest: z.string().regex(/^sha256:[0-9a-f]{64}$/),
      sizeBytes: z.number().int().min(0),
      /** The bytes, base64, when small enough to travel in the event. */
      content: z.string().nullable(),
    }),
  ),
});
export type ResultsFacet = z.infer<typeof resultsFacet>;

/** A project slug for an OpenLineage namespace ("my-scheduler-namespace" stays as it is). */
export function projectSlugFor(namespace: string): string {
  const slug = namespace
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '')
    .slice(0, 63)
    .replace(/-+$/, '');
  return slug || 'openlineage';
}

/**
 * A hub name (letters, digits, . _ -) for an OpenLineage name. Names that need changing get
 * a short hash of the original, so two different names never meet.
 */
export function hubNameFor(name: string): string {
  const cleaned = name.replace(/[^A-Za-z0-9._-]+/g, '_').replace(/^[^A-Za-z0-9]+/, '');
  if (cleaned === name && name.length <= 128) return name;
  const hash = createHash('sha256').update(name).digest('hex').slice(0, 8);
  return `${(cleaned || 'dataset').slice(0, 119)}-${hash}`;
}

/** An OpenLineage dataset's name in the hub: its name, qualified by its namespace. */
export function datasetNameFor(namespace: string, name: string): string {
  return hubNameFor(`${namespace}.${name}`);
}
