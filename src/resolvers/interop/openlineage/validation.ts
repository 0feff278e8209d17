// Checking OpenLineage RunEvents against the spec's JSON Schemas (2020-12), as vendored in
// spec/: the core RunEvent, and the facets the hub reads (parent, errorMessage,
// version, schema, dataQualityMetrics) wherever they appear.
//
// Real producers are sometimes looser than the schema; two looseness are accepted on
// purpose (docs/interop.md says so): an eventTime without a time zone is read as UTC, and a
// facet without `_schemaURL` is accepted (its `_producer` is still required). The event is
// stored exactly as it came; only the copy being checked is adjusted.
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

export class OpenLineageEventError extends Error {
  override name = 'OpenLineageEventError';
  readonly problems: OpenLineageProblem[];
  /** Which event of a batch (0 for a single event). */
  readonly index: number;
  constructor(index: number, problems: OpenLineageProblem[]) {
    super(
      `not a valid OpenLineage RunEvent: ${problems
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
  // Accepted looseness: a facet may leave out _schemaURL.
  const base = core.$defs.BaseFacet!;
  base.required = (base.required ?? []).filter((field) => field !== '_schemaURL');
  ajv.addSchema(core);
  const facetSchema = (file: string) => ajv.compile(loadSpec(file));
  return {
    runEvent: ajv.compile({ $ref: `${CORE}#/$defs/RunEvent` }),
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

function problemsOf(
  errors: ErrorObject[] | null | undefined,
  prefix: string,
): OpenLineageProblem[] {
  return (errors ?? []).map((error) => ({
    path: `${prefix}${error.instancePath}`,
    message:
      error.keyword === 'additionalProperties'
        ? `${error.message} (${JSON.stringify(error.params.additionalProperty)})`
        : error.keyword === 'enum'
          ? `${error.message}: ${JSON.stringify(error.params.allowedValues)}`
          : (error.message ?? error.keyword),
  }));
}

/** An eventTime as the hub reads it: with a zone, or else in UTC. */
export function eventTimeOf(text: string): Date {
  return new Date(ZONED.test(text) ? text : `${text}Z`);
}

/** Checks one event; throws OpenLineageEventError listing what is wrong. */
export function validateRunEvent(event: unknown, index = 0): void {
  validators ??= compile();
  const v = validators;
  if (!event || typeof event !== 'object' || Array.isArray(event))
    throw new OpenLineageEventError(index, [{ path: '', message: 'must be a JSON object' }]);
  const copy = structuredClone(event) as Record<string, unknown>;
  if (typeof copy.eventTime === 'string' && !ZONED.test(copy.eventTime))
    copy.eventTime = `${copy.eventTime}Z`;
  const problems: OpenLineageProblem[] = [];
  if (!v.runEvent(copy)) problems.push(...problemsOf(v.runEvent.errors, ''));
  if (!('eventType' in copy))
    problems.push({ path: '/eventType', message: 'is required of a RunEvent sent to the hub' });
  if (typeof copy.eventTime === 'string' && Number.isNaN(eventTimeOf(copy.eventTime).getTime()))
    problems.push({ path: '/eventTime', message: 'is not a date-time' });
  const run = copy.run as { facets?: unknown } | undefined;
  const check = (validate: (typeof v.runFacets)[number], facets: unknown, path: string) => {
    if (facets && typeof facets === 'object' && !validate(facets))
      problems.push(...problemsOf(validate.errors, path));
  };
  for (const validate of v.runFacets) check(validate, run?.facets, '/run/facets');
  for (const [side, list] of [
    ['inputs', copy.inputs],
    ['outputs', copy.outputs],
  ] as const) {
    if (!Array.isArray(list)) continue;
    list.forEach((dataset: { facets?: unknown; inputFacets?: unknown }, i) => {
      for (const validate of v.datasetFacets)
        check(validate, dataset?.facets, `/${side}/${i}/facets`);
      if (side === 'inputs')
        for (const validate of v.inputFacets)
          check(validate, dataset?.inputFacets, `/inputs/${i}/inputFacets`);
    });
  }
  problems.push(...hubFacetProblems(copy));
  if (problems.length) throw new OpenLineageEventError(index, problems);
}

/** The hub's own facets, wherever present, checked against their zod schemas. */
function hubFacetProblems(event: Record<string, unknown>): OpenLineageProblem[] {
  const problems: OpenLineageProblem[] = [];
  const check = (schema: z.ZodType, value: unknown, path: string) => {
    if (value === undefined) return;
    const parsed = schema.safeParse(value);
    if (!parsed.success)
      for (const issue of parsed.error.issues)
        problems.push({
          path: [path, ...issue.path.map(String)].join('/'),
          message: issue.message,
        });
  };
  const runFacets = (event.run as { facets?: Record<string, unknown> } | undefined)?.facets;
  check(runFacet, runFacets?.[FACETS.run], `/run/facets/${FACETS.run}`);
  check(resultsFacet, runFacets?.[FACETS.results], `/run/facets/${FACETS.results}`);
  for (const side of ['inputs', 'outputs'] as const) {
    const list = event[side];
    if (!Array.isArray(list)) continue;
    list.forEach((dataset: { facets?: Record<string, unknown> }, i) => {
      check(
        versionFacet,
        dataset?.facets?.[FACETS.version],
        `/${side}/${i}/facets/${FACETS.version}`,
      );
    });
  }
  return problems;
}
