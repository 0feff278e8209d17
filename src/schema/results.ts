// Metrics, findings and artifacts: what a run concluded.

import type { MetricRow } from '../resolvers/runs/results.ts';
import type { MetricEmission } from '../runners/contract.ts';
import { builder, type Types } from './builder.ts';
import { ArtifactRef, FindingRef, RunRef, VersionRef } from './refs.ts';

export const SeverityEnum = builder.enumType('Severity', {
  description: 'How much a finding matters.',
  values: {
    INFO: { description: 'Worth knowing; nothing is wrong.' },
    LOW: { description: 'A minor issue.' },
    MEDIUM: { description: 'An issue to look at.' },
    HIGH: { description: 'An issue that can invalidate results or deployment.' },
    CRITICAL: { description: 'Stop: the model or data must not be used as is.' },
  },
});

export const FindingStatusEnum = builder.enumType('FindingStatus', {
  description: 'Where a finding is in triage.',
  values: {
    OPEN: { description: 'Not triaged yet.' },
    CONFIRMED: { description: 'Looked at and real.' },
    DISMISSED: { description: 'Looked at and not an issue (false positive, accepted risk).' },
    RESOLVED: { description: 'Fixed in a later version.' },
  },
});

/** A metric as stored, or as carried by a metric event. */
export interface MetricShape {
  key: string;
  value: number;
  step: number;
  slice: Record<string, string>;
  ciLower: number | null;
  ciUpper: number | null;
  ciLevel: number | null;
  sampleSize: number | null;
}

export const metricFromRow = (row: MetricRow): MetricShape => ({
  key: row.key,
  value: row.value,
  step: row.step,
  slice: row.slice as Record<string, string>,
  ciLower: row.ciLower,
  ciUpper: row.ciUpper,
  ciLevel: row.ciLevel,
  sampleSize: row.sampleSize,
});

export const metricFromEmission = (m: MetricEmission): MetricShape => ({
  key: m.key,
  value: m.value,
  step: m.step ?? 0,
  slice: m.slice ?? {},
  ciLower: m.ci?.lower ?? null,
  ciUpper: m.ci?.upper ?? null,
  ciLevel: m.ci?.level ?? null,
  sampleSize: m.sampleSize ?? null,
});

/** A value's confidence interval and sample size. */
interface Interval {
  ciLower: number | null;
  ciUpper: number | null;
  ciLevel: number | null;
  sampleSize: number | null;
}

/** The interval fields of anything that carries a value with its interval. */
export function intervalFields<T extends Interval>(
  t: PothosSchemaTypes.ObjectFieldBuilder<Types, T>,
) {
  return {
    ciLower: t.float({
      nullable: true,
      description: 'Lower bound of its confidence interval.',
      resolve: (v) => v.ciLower,
    }),
    ciUpper: t.float({
      nullable: true,
      description: 'Upper bound of its confidence interval.',
      resolve: (v) => v.ciUpper,
    }),
    ciLevel: t.float({
      nullable: true,
      description: 'Confidence level of the interval, e.g. 0.95.',
      resolve: (v) => v.ciLevel,
    }),
    sampleSize: t.int({
      nullable: true,
      description: 'How many items it was computed over.',
      resolve: (v) => v.sampleSize,
    }),
  };
}

export const MetricRef = builder.objectRef<MetricShape>('Metric').implement({
  description: 'One value a run measured, for one slice of the data, at one step.',
  fields: (t) => ({
    key: t.exposeString('key', { description: 'What was measured, e.g. "accuracy".' }),
    value: t.exposeFloat('value', { description: 'The value.' }),
    step: t.exposeInt('step', {
      description: 'Step of a series (epoch, batch, severity index); 0 otherwise.',
    }),
    slice: t.expose('slice', {
      type: 'JSON',
      description: 'The slice it covers, e.g. {"class": "cat"}; {} for the whole data.',
    }),
    ...intervalFields(t),
  }),
});

builder.node(FindingRef, {
  description: 'What a run concluded: a kind, a severity, and the evidence behind it.',
  id: { resolve: (finding) => finding.id },
  fields: (t) => ({
    run: t.field({
      type: RunRef,
      description: 'GENERATED: the run that concluded it.',
      resolve: async (finding, _args, ctx) => (await ctx.loaders.run.load(finding.runId))!,
    }),
    kind: t.exposeString('kind', {
      description: 'What sort of finding, e.g. REQUIREMENT_FAILED, DRIFT, DUPLICATES.',
    }),
    severity: t.field({
      type: SeverityEnum,
      description: 'How much it matters.',
      resolve: (f) => f.severity,
    }),
    status: t.field({
      type: FindingStatusEnum,
      description: 'Where it is in triage.',
      resolve: (f) => f.status,
    }),
    title: t.exposeString('title', { description: 'One line saying what was found.' }),
    summary: t.exposeString('summary', { description: 'A paragraph explaining it.' }),
    evidence: t.expose('evidence', {
      type: 'JSON',
      description: 'The metric values, thresholds and artifacts it rests on.',
    }),
    requirement: t.expose('requirement', {
      type: 'JSON',
      nullable: true,
      description: 'The requirement it checks, as written in the workflow spec.',
    }),
    subject: t.field({
      type: VersionRef,
      nullable: true,
      description: 'The model or dataset version it is about.',
      resolve: (finding, _args, ctx) =>
        finding.subjectModelVersionId
          ? ctx.loaders.modelVersion.load(finding.subjectModelVersionId)
          : finding.subjectDatasetVersionId
            ? ctx.loaders.datasetVersion.load(finding.subjectDatasetVersionId)
            : null,
    }),
    createdAt: t.expose('createdAt', { type: 'DateTime', description: 'When it was recorded.' }),
  }),
});

builder.node(ArtifactRef, {
  description: 'A file a run produced (a plot, a confusion matrix, a report), content-addressed.',
  id: { resolve: (artifact) => artifact.id },
  fields: (t) => ({
    run: t.field({
      type: RunRef,
      description: 'GENERATED: the run that produced it.',
      resolve: async (artifact, _args, ctx) => (await ctx.loaders.run.load(artifact.runId))!,
    }),
    name: t.exposeString('name', { description: 'Its name, unique within the run.' }),
    mediaType: t.exposeString('mediaType', { description: 'Its media type, e.g. image/svg+xml.' }),
    digest: t.exposeString('digest', { description: '`sha256:<hex>` of its bytes.' }),
    sizeBytes: t.exposeFloat('sizeBytes', { description: 'Its size in bytes.' }),
    url: t.string({
      description:
        'Where to download it from this hub (GET, same access as the API): an absolute URL, on the hub’s public address (EVALHUB_PUBLIC_URL).',
      resolve: (artifact, _args, ctx) => `${ctx.publicUrl}/artifacts/${artifact.id}`,
    }),
    createdAt: t.expose('createdAt', { type: 'DateTime', description: 'When it was stored.' }),
  }),
});
