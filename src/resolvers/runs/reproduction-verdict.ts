// What a reproduction concluded, recorded on it in the transaction that ends it (so its seal
// covers the verdict): REPRODUCED when every metric of the original came out bit for bit the
// same (value, interval, sample size) and none is missing or new; NOT_REPRODUCED otherwise,
// naming the metrics that differ and by how much, or why the reproduction failed. A workflow
// run's metrics include its steps', each under its step id.
import { asc, eq, or } from 'drizzle-orm';
import type { Transaction } from '../../db/rows.ts';
import { metrics, runs } from '../../db/schema.ts';
import type { FindingEmission } from '../../runners/contract.ts';
import { encodeGlobalId } from '../core/global-id.ts';
import { appendRunEvents } from './events.ts';

type RunRow = typeof runs.$inferSelect;

export const REPRODUCED = 'REPRODUCED';
export const NOT_REPRODUCED = 'NOT_REPRODUCED';

/** Differences listed in a finding's evidence, at most, of each kind (the counts are complete). */
const LISTED = 50;

export interface MeasuredValue {
  /** The metric key, prefixed with "step: " for a workflow step's. */
  metric: string;
  step: number;
  slice: Record<string, string>;
  sliceKey: string;
  value: number;
  ciLower: number | null;
  ciUpper: number | null;
  ciLevel: number | null;
  sampleSize: number | null;
}

const FIELDS = ['value', 'ciLower', 'ciUpper', 'ciLevel', 'sampleSize'] as const;

const place = (m: MeasuredValue) => ({ metric: m.metric, step: m.step, slice: m.slice });
const shown = (m: MeasuredValue) =>
  Object.fromEntries(FIELDS.filter((f) => m[f] !== null).map((f) => [f, m[f]]));

export interface MetricAgreement {
  compared: number;
  differing: Array<
    ReturnType<typeof place> & {
      fields: string[];
      original: Record<string, number | null>;
      reproduced: Record<string, number | null>;
      /** reproduced - original, of the value. */
      difference: number;
    }
  >;
  /** In the original, not in the reproduction. */
  missing: Array<ReturnType<typeof place>>;
  /** In the reproduction, not in the original. */
  added: Array<ReturnType<typeof place>>;
}

/**
 * Pairs the metrics of two runs by key, step and slice (a repeated one by its order) and
 * compares each pair bit for bit.
 */
export function compareMetrics(
  original: readonly MeasuredValue[],
  reproduced: readonly MeasuredValue[],
): MetricAgreement {
  const identity = (m: MeasuredValue) => `${m.metric}\u0000${m.step}\u0000${m.sliceKey}`;
  const pending = Map.groupBy(reproduced, identity);
  const agreement: MetricAgreement = { compared: 0, differing: [], missing: [], added: [] };
  for (const before of original) {
    const after = pending.get(identity(before))?.shift();
    if (!after) {
      agreement.missing.push(place(before));
      continue;
    }
    agreement.compared += 1;
    const fields = FIELDS.filter((f) => !Object.is(before[f], after[f]));
    if (fields.length)
      agreement.differing.push({
        ...place(before),
        fields,
        original: shown(before),
        reproduced: shown(after),
        difference: after.value - before.value,
      });
  }
  for (const rest of pending.values()) agreement.added.push(...rest.map(place));
  return agreement;
}

/** The metrics of a run and of its steps, each step's under its step id. */
async function measuredValues(tx: Transaction, runId: string): Promise<MeasuredValue[]> {
  const rows = await tx
    .select({ metric: metrics, stepId: runs.stepId, runId: runs.id })
    .from(metrics)
    .innerJoin(runs, eq(runs.id, metrics.runId))
    .where(or(eq(runs.id, runId), eq(runs.parentRunId, runId)))
    .orderBy(asc(metrics.id));
  return rows.map(({ metric, stepId, runId: owner }) => ({
    metric: owner !== runId && stepId ? `${stepId}: ${metric.key}` : metric.key,
    step: metric.step,
    slice: metric.slice as Record<string, string>,
    sliceKey: metric.sliceKey,
    value: metric.value,
    ciLower: metric.ciLower,
    ciUpper: metric.ciUpper,
    ciLevel: metric.ciLevel,
    sampleSize: metric.sampleSize,
  }));
}

const number = (value: number) => String(Number(value.toPrecision(6)));
const where = (m: { metric: string; step: number; slice: Record<string, string> }) => {
  const slice = Object.entries(m.slice)
    .map(([k, v]) => `${k}=${v}`)
    .join(', ');
  return `${m.metric}${slice ? ` [${slice}]` : ''}${m.step ? ` at step ${m.step}` : ''}`;
};

function agreementFinding(original: RunRow, agreement: MetricAgreement): FindingEmission {
  const reproduces = encodeGlobalId('Run', original.id);
  const evidence = {
    reproduces,
    compared: agreement.compared,
    differingCount: agreement.differing.length,
    missingCount: agreement.missing.length,
    addedCount: agreement.added.length,
    differing: agreement.differing.slice(0, LISTED),
    missing: agreement.missing.slice(0, LISTED),
    added: agreement.added.slice(0, LISTED),
  };
  const { differing, missing, added } = agreement;
  if (!differing.length && !missing.length && !added.length)
    return {
      kind: REPRODUCED,
      severity: 'INFO',
      title: `Reproduced: all ${agreement.compared} metrics identical`,
      summary:
        `Re-executed with the same runner version, config, seed and inputs (their content ` +
        `checked against the recorded digests), it reported the same ${agreement.compared} ` +
        `metric value(s) as run ${reproduces}, bit for bit.`,
      evidence,
    };
  const parts = [
    differing.length ? `${differing.length} differ` : '',
    missing.length ? `${missing.length} missing` : '',
    added.length ? `${added.length} new` : '',
  ].filter(Boolean);
  const lines = [
    ...differing
      .slice(0, 5)
      .map(
        (d) =>
          `${where(d)}: ${number(d.original.value as number)} → ${number(d.reproduced.value as number)}` +
          (d.difference
            ? ` (${d.difference > 0 ? '+' : ''}${number(d.difference)})`
            : ` (${d.fields.join(', ')})`),
      ),
    ...missing.slice(0, 5).map((m) => `${where(m)}: not reported this time`),
    ...added.slice(0, 5).map((m) => `${where(m)}: reported only this time`),
  ];
  return {
    kind: NOT_REPRODUCED,
    severity: 'HIGH',
    title: `Not reproduced: of ${agreement.compared + missing.length} metrics, ${parts.join(', ')}`,
    summary:
      `Re-executed with the same runner version, config, seed and inputs, it did not report ` +
      `what run ${reproduces} reported. ${lines.join('; ')}.`,
    evidence,
  };
}

function failedFinding(original: RunRow, run: RunRow): FindingEmission {
  const error = run.error as { code?: string; message?: string } | null;
  return {
    kind: NOT_REPRODUCED,
    severity: 'HIGH',
    title: `Not reproduced: the reproduction ${run.status.toLowerCase()}`,
    summary: `Run ${encodeGlobalId('Run', original.id)} succeeded; re-executed, it ${run.status.toLowerCase()}: ${error?.message ?? 'no reason recorded'}.`,
    evidence: {
      reproduces: encodeGlobalId('Run', original.id),
      reason: 'RUN_FAILED',
      error: error ?? null,
    },
  };
}

/**
 * Records the verdict on a reproduction that has just ended, in the transaction that ended
 * it, before it is sealed. A cancelled reproduction concludes nothing.
 */
export async function recordReproductionVerdict(tx: Transaction, run: RunRow): Promise<void> {
  if (!run.reproducesId || run.status === 'CANCELLED') return;
  const [original] = await tx.select().from(runs).where(eq(runs.id, run.reproducesId));
  if (!original) return;
  const finding =
    run.status === 'SUCCEEDED'
      ? agreementFinding(
          original,
          compareMetrics(await measuredValues(tx, original.id), await measuredValues(tx, run.id)),
        )
      : failedFinding(original, run);
  await appendRunEvents(tx, run.id, [{ type: 'finding', finding }], null);
}
