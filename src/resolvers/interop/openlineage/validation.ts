// Checking OpenLineage events against the spec's JSON Schemas (2020-12), as vendored in
// spec/. Only the core event schema (RunEvent, DatasetEvent or JobEvent) is binding: an event
// that fails it is refused. A facet the hub reads (parent, errorMessage, version, schema,
// dataQualityMetrics, and its own evalhub_* facets) that fails its own schema is a warning
// naming the facet and the error: the event is kept as it came, and the import maps it
// without that facet. Unknown facets are kept as they came, unchecked.
//
// Real producers are sometimes looser than the schema; three looseness are accepted on
// purpose (docs/interop.md says so): an event without `schemaURL` (older clients; a
// warning says so), an eventTime without a time zone (read as UTC), and a facet without
// `_schemaURL` (its `_producer` is still required). The event is stored exactly as it came;
// only the copy being checked is adjusted.
import { createRequire } from 'node:module';
import { Ajv2020, type ErrorObject } from 'ajv/dist/2020.js';
import addFormats from 'ajv-formats';
import type { z } from 'zod';
import { FACETS, resultsFacet, runFacet, versionFacet } from './facets.ts';

const require = createRequire(import.meta.url);
const CORE = 'https://openlineage.io/spec/2-0-2/OpenLineage.json';

export interface OpenLineageProblem {
  /** JSON pointer into the event, e.g. "/run/facets/parent/run/runId". */
  path: string;
  message: string;
}

/** Something an accepted event got wrong: a facet failing its schema, a missing schemaURL. */
export interface OpenLineageWarning extends OpenLineageProblem {
  /** The facet it concerns ("parent", "evalhub_run"...), or null for the event itself. */
  facet: string | null;
}

/** The three kinds of event of spec 2. */
export type OpenLineageEventKind = 'RunEvent' | 'DatasetEvent' | 'JobEvent';

/** An event the core schema accepted, with what is wrong in it and what the hub can map. */
export interface CheckedEvent {
  kind: OpenLineageEventKind;
  warnings: OpenLineageWarning[];
  /** A copy of the event without the facets that failed their schema. */
  mappable: Record<string, unknown>;
}

export class OpenLineageEventError extends Error {
  override name = 'OpenLineageEventError';
  readonly problems: OpenLineageProblem[];
  /** Which event of a batch (0 for a single event). */
  readonly index: number;
  constructor(index: number, problems: OpenLineageProblem[]) {
    super(
      `not a valid OpenLineage event: ${problems
        .slice(0, 3)
        .map((p) => `${p.path || '/'} ${p.message}`)
        .join('; ')}`,
    );
    this.problems = problems;
    this.index = index;
  }
}

function loadSpec(file: string): Record<string, unknown> {
  return structuredClone(require(`./spec/${file}`)) as Record<string, unknown>;
}

function compile() {
  const ajv = new Ajv2020({ allErrors: true, strict: false });
  addFormats.default(ajv);
  const core = loadSpec('OpenLineage.json') as { $defs: Record<string, { required?: string[] }> };
  // Accepted looseness: an event may leave out schemaURL, a facet _schemaURL.
  const without = (def: string, field: string) => {
    const schema = core.$defs[def]!;
    schema.required = (schema.required ?? []).filter((f) => f !== field);
  };
  without('BaseEvent', 'schemaURL');
  without('BaseFacet', '_schemaURL');
  ajv.addSchema(core);
  const facetSchema = (file: string) => ajv.compile(loadSpec(file));
  return {
    events: {
      RunEvent: ajv.compile({ $ref: `${CORE}#/$defs/RunEvent` }),
      DatasetEvent: ajv.compile({ $ref: `${CORE}#/$defs/DatasetEvent` }),
      JobEvent: ajv.compile({ $ref: `${CORE}#/$defs/JobEvent` }),
    },
    runFacets: [facetSchema('ParentRunFacet.json'), facetSchema('ErrorMessageRunFacet.json')],
    datasetFacets: [
      facetSchema('DatasetVersionDatasetFacet.json'),
      facetSchema('SchemaDatasetFacet.json'),
    ],
    inputFacets: [facetSchema('DataQualityMetricsInputDatasetFacet.json')],
  };
}

let validators: ReturnType<typeof compile> | undefined;

const ZONED = /(Z|[+-]\d\d:?\d\d)$/i;

function messageOf(error: ErrorObject): string {
  if (error.keyword === 'additionalProperties')
    return `${error.message} (${JSON.stringify(error.params.additionalProperty)})`;
  if (error.keyword === 'enum')
    return `${error.message}: ${JSON.stringify(error.params.allowedValues)}`;
  return error.message ?? error.keyword;
}

function problemsOf(
  errors: ErrorObject[] | null | undefined,
  prefix: string,
): OpenLineageProblem[] {
  return (errors ?? []).map((error) => ({
    path: `${prefix}${error.instancePath}`,
    message: messageOf(error),
  }));
}

/** An eventTime as the hub reads it: with a zone, or else in UTC. */
export function eventTimeOf(text: string): Date {
  return new Date(ZONED.test(text) ? text : `${text}Z`);
}

/** Which kind of event this is meant to be: a run makes a RunEvent, a dataset a DatasetEvent. */
function kindOf(event: Record<string, unknown>): OpenLineageEventKind | null {
  if ('run' in event) return 'RunEvent';
  if ('dataset' in event) return 'DatasetEvent';
  if ('job' in event) return 'JobEvent';
  return null;
}

/**
 * Checks one event against the core schema (throwing OpenLineageEventError listing what is
 * wrong) and the facets the hub reads against theirs (warnings).
 */
export function checkEvent(event: unknown, index = 0): CheckedEvent {
  validators ??= compile();
  const v = validators;
  if (!event || typeof event !== 'object' || Array.isArray(event))
    throw new OpenLineageEventError(index, [{ path: '', message: 'must be a JSON object' }]);
  const copy = structuredClone(event) as Record<string, unknown>;
  const kind = kindOf(copy);
  if (!kind)
    throw new OpenLineageEventError(index, [
      { path: '', message: 'is no RunEvent (run, job), DatasetEvent (dataset) nor JobEvent (job)' },
    ]);
  if (typeof copy.eventTime === 'string' && !ZONED.test(copy.eventTime))
    copy.eventTime = `${copy.eventTime}Z`;
  const problems: OpenLineageProblem[] = [];
  const validate = v.events[kind];
  if (!validate(copy)) problems.push(...problemsOf(validate.errors, ''));
  if (typeof copy.eventTime === 'string' && Number.isNaN(eventTimeOf(copy.eventTime).getTime()))
    problems.push({ path: '/eventTime', message: 'is not a date-time' });
  if (problems.length) throw new OpenLineageEventError(index, problems);
  const warnings: OpenLineageWarning[] = [];
  if (!('schemaURL' in copy))
    warnings.push({
      path: '/schemaURL',
      facet: null,
      message: `is missing; read as ${kind} of ${CORE}`,
    });
  warnings.push(...facetWarnings(v, copy), ...hubFacetWarnings(copy));
  return { kind, warnings, mappable: copy };
}

/** Facets of the event (run, dataset, input) with their path in it. */
function facetObjects(event: Record<string, unknown>) {
  const found: {
    side: 'run' | 'dataset' | 'input';
    facets: Record<string, unknown>;
    path: string;
  }[] = [];
  const add = (side: 'run' | 'dataset' | 'input', facets: unknown, path: string) => {
    if (facets && typeof facets === 'object' && !Array.isArray(facets))
      found.push({ side, facets: facets as Record<string, unknown>, path });
  };
  add('run', (event.run as { facets?: unknown } | undefined)?.facets, '/run/facets');
  add('dataset', (event.dataset as { facets?: unknown } | undefined)?.facets, '/dataset/facets');
  for (const side of ['inputs', 'outputs'] as const) {
    const list = event[side];
    if (!Array.isArray(list)) continue;
    list.forEach((dataset: { facets?: unknown; inputFacets?: unknown }, i) => {
      add('dataset', dataset?.facets, `/${side}/${i}/facets`);
      if (side === 'inputs') add('input', dataset?.inputFacets, `/inputs/${i}/inputFacets`);
    });
  }
  return found;
}

/** The spec's facets the hub reads, checked against their schemas; failing ones removed. */
function facetWarnings(
  v: ReturnType<typeof compile>,
  event: Record<string, unknown>,
): OpenLineageWarning[] {
  const warnings: OpenLineageWarning[] = [];
  const schemas = { run: v.runFacets, dataset: v.datasetFacets, input: v.inputFacets };
  for (const { side, facets, path } of facetObjects(event))
    for (const validate of schemas[side]) {
      if (validate(facets)) continue;
      // Each facet schema describes one property of the facets object: its facet.
      const failed = new Set<string>();
      for (const error of validate.errors ?? []) {
        const facet = error.instancePath.split('/')[1] ?? '';
        failed.add(facet);
        warnings.push({
          path: `${path}${error.instancePath}`,
          facet,
          message: messageOf(error),
        });
      }
      for (const facet of failed) delete facets[facet];
    }
  return warnings;
}

/** The hub's own facets, wherever present, checked against their zod schemas; failing ones removed. */
function hubFacetWarnings(event: Record<string, unknown>): OpenLineageWarning[] {
  const warnings: OpenLineageWarning[] = [];
  const check = (
    schema: z.ZodType,
    facets: Record<string, unknown> | undefined,
    facet: string,
    path: string,
  ) => {
    if (facets?.[facet] === undefined) return;
    const parsed = schema.safeParse(facets[facet]);
    if (parsed.success) return;
    for (const issue of parsed.error.issues)
      warnings.push({
        path: [`${path}/${facet}`, ...issue.path.map(String)].join('/'),
        facet,
        message: issue.message,
      });
    delete facets[facet];
  };
  for (const { side, facets, path } of facetObjects(event)) {
    if (side === 'run') {
      check(runFacet, facets, FACETS.run, path);
      check(resultsFacet, facets, FACETS.results, path);
    }
    if (side === 'dataset') check(versionFacet, facets, FACETS.version, path);
  }
  return warnings;
}
