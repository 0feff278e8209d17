// A workflow's requirements, checked after each step and recorded on the workflow run: a
// REQUIREMENT_FAILED finding for each violation (value, interval and slice as evidence) and a
// REQUIREMENT_PASSED one for each pass, so a report can say what was verified, not only what
// went wrong. When the workflow ends, a requirement no step reported counts as failed.
// A run recorded from outside the hub that names a workflow version is checked against all
// of its requirements when it succeeds (it stands for every step), the findings on itself.
import { and, eq, inArray } from 'drizzle-orm';
import type { Transaction } from '../../db/rows.ts';
import { findings, metrics, runInputs, workflowVersions } from '../../db/schema.ts';
import type { FindingEmission } from '../../runners/contract.ts';
import { encodeGlobalId } from '../core/global-id.ts';
import type { NewRunEvent } from '../runs/events.ts';
import { appendRunEvents } from '../runs/events.ts';
import { onExternalRunSucceeding } from '../runs/external.ts';
import type { RunRow } from '../runs/status.ts';
import {
  type CheckedValue,
  checkRequirement,
  type RequirementOutcome,
  requirementText,
  sliceText,
} from './requirement-check.ts';
import type { Requirement, WorkflowSpec } from './spec.ts';

export const REQUIREMENT_FAILED = 'REQUIREMENT_FAILED';
export const REQUIREMENT_PASSED = 'REQUIREMENT_PASSED';

type FindingEvent = Extract<NewRunEvent, { type: 'finding' }>;
type Subject = FindingEvent['subject'];

const formatValue = (value: number) => String(Number(value.toPrecision(4)));

const valueEvidence = (value: CheckedValue) => ({
  value: value.value,
  ci: value.ci,
  slice: value.slice,
  sampleSize: value.sampleSize,
  certain: value.certain,
});

/** The requirement as written, with its position in the spec (how the end check finds it). */
const recorded = (requirement: Requirement, index: number) => ({ ...requirement, index });

/** Who reported the values: a step of the workflow run, or a run recorded from outside. */
const reporter = (step: RunRow) => (step.stepId ? `step ${step.stepId}` : 'the run');
const capitalised = (text: string) => text[0]!.toUpperCase() + text.slice(1);

function outcomeFinding(
  requirement: Requirement,
  index: number,
  step: RunRow,
  outcome: RequirementOutcome,
): FindingEmission {
  const text = requirementText(requirement);
  const head = outcome.headline;
  const where = sliceText(head.slice);
  const interval = head.ci
    ? ` (${Math.round(head.ci.level * 100)}% CI ${formatValue(head.ci.lower)}–${formatValue(head.ci.upper)})`
    : '';
  const evidence = {
    step: step.stepId,
    stepRun: encodeGlobalId('Run', step.id),
    metric: requirement.metric,
    op: requirement.op,
    threshold: requirement.threshold,
    ...valueEvidence(head),
    checkedValues: outcome.checked.length,
    ...(outcome.passed
      ? {}
      : {
          failures: outcome.firstFailures.map(valueEvidence),
          ...(head.slice.severity !== undefined
            ? { firstFailingSeverity: head.slice.severity }
            : {}),
        }),
  };
  if (outcome.passed) {
    return {
      kind: REQUIREMENT_PASSED,
      severity: 'INFO',
      title: `Requirement met: ${text}${step.stepId ? ` (step ${step.stepId})` : ''}`,
      summary:
        `${capitalised(reporter(step))} reported ${outcome.checked.length} value(s) of ${requirement.metric}` +
        `${requirement.slice ? ' in the required slice' : ''}; all meet ${text}. The closest is ` +
        `${formatValue(head.value)}${where ? ` for ${where}` : ''}${interval}.` +
        (head.certain === false ? ' Its confidence interval crosses the threshold.' : ''),
      evidence,
      requirement: recorded(requirement, index),
    };
  }
  return {
    kind: REQUIREMENT_FAILED,
    severity: requirement.severity,
    title: `Requirement failed: ${requirement.metric} ${formatValue(head.value)}${where ? ` for ${where}` : ''}, needs ${requirement.op} ${requirement.threshold}`,
    summary:
      `${capitalised(reporter(step))} reported ${requirement.metric} = ${formatValue(head.value)}` +
      `${where ? ` for ${where}` : ''}${interval}, which does not meet ${text}` +
      (requirement.description ? ` (${requirement.description})` : '') +
      `. ${outcome.firstFailures.length} of ${outcome.checked.length} checked value(s) fail` +
      (head.slice.severity !== undefined
        ? '; the evidence gives the first failing severity.'
        : '.') +
      (head.certain ? ' The whole confidence interval is on the failing side.' : ''),
    evidence,
    requirement: recorded(requirement, index),
  };
}

function unreported(requirement: Requirement, index: number, step: RunRow | null): FindingEmission {
  const what = `${requirement.metric}${requirement.slice ? ' in the required slice' : ''}`;
  const missing = step ? `${reporter(step)} reported no ${what}` : `no step reported ${what}`;
  return {
    kind: REQUIREMENT_FAILED,
    severity: requirement.severity,
    title: `Requirement not verified: ${missing}`,
    summary:
      `${requirementText(requirement)} could not be checked: ${missing}. ` +
      'A requirement nothing verified counts as failed.',
    evidence: {
      reason: 'NOT_REPORTED',
      metric: requirement.metric,
      op: requirement.op,
      threshold: requirement.threshold,
      slice: requirement.slice ?? {},
      ...(step ? { step: step.stepId, stepRun: encodeGlobalId('Run', step.id) } : {}),
    },
    requirement: recorded(requirement, index),
  };
}

/**
 * A finding about a step is about its model, or else the dataset it evaluated: the 'dataset'
 * role before others (drift's reference is not what a drift requirement is about).
 */
async function stepSubject(tx: Transaction, stepRunId: string): Promise<Subject> {
  const rows = await tx
    .select()
    .from(runInputs)
    .where(eq(runInputs.runId, stepRunId))
    .orderBy(runInputs.role, runInputs.position);
  const model = rows.find((row) => row.modelVersionId);
  if (model) return { kind: 'MODEL_VERSION', id: model.modelVersionId! };
  const dataset =
    rows.find((row) => row.datasetVersionId && row.role === 'dataset') ??
    rows.find((row) => row.datasetVersionId);
  return dataset ? { kind: 'DATASET_VERSION', id: dataset.datasetVersionId! } : undefined;
}

/**
 * Checks the requirements that apply to a step that has just succeeded, recording the
 * findings on `parentId`; a run that is no step (recorded from outside) is checked against
 * every requirement, `parentId` being itself.
 */
export async function checkStepRequirements(
  tx: Transaction,
  parentId: string,
  requirements: readonly Requirement[],
  step: RunRow,
): Promise<void> {
  const applicable = requirements
    .map((requirement, index) => ({ requirement, index }))
    .filter(
      ({ requirement }) => !step.stepId || !requirement.step || requirement.step === step.stepId,
    );
  if (!applicable.length) return;
  const keys = [...new Set(applicable.map(({ requirement }) => requirement.metric))];
  const reported = await tx
    .select()
    .from(metrics)
    .where(and(eq(metrics.runId, step.id), inArray(metrics.key, keys)))
    .orderBy(metrics.id);
  const events: FindingEvent[] = [];
  for (const { requirement, index } of applicable) {
    const values = reported
      .filter((row) => row.key === requirement.metric)
      .map((row) => ({
        value: row.value,
        step: row.step,
        slice: row.slice as Record<string, string>,
        ci:
          row.ciLower !== null && row.ciUpper !== null
            ? { lower: row.ciLower, upper: row.ciUpper, level: row.ciLevel ?? 0.95 }
            : null,
        sampleSize: row.sampleSize,
      }));
    const outcome = checkRequirement(requirement, values);
    // A requirement that names this step must be verified here; one that names no step
    // applies to whichever steps report its metric. A run that is no step must verify all.
    let finding: FindingEmission | null = null;
    if (outcome) finding = outcomeFinding(requirement, index, step, outcome);
    else if (requirement.step || !step.stepId) finding = unreported(requirement, index, step);
    if (finding) events.push({ type: 'finding', finding });
  }
  if (!events.length) return;
  const subject = await stepSubject(tx, step.id);
  await appendRunEvents(
    tx,
    parentId,
    events.map((event) => ({ ...event, subject })),
    null,
  );
}

/**
 * When every step has succeeded: fails the requirements no step reported, and sums up, as
 * metrics of the workflow run, how many requirements passed and failed.
 */
export async function closeRequirements(
  tx: Transaction,
  parentId: string,
  requirements: readonly Requirement[],
): Promise<void> {
  if (!requirements.length) return;
  const recordedFindings = await tx
    .select({ kind: findings.kind, requirement: findings.requirement })
    .from(findings)
    .where(
      and(
        eq(findings.runId, parentId),
        inArray(findings.kind, [REQUIREMENT_FAILED, REQUIREMENT_PASSED]),
      ),
    );
  const failed = new Set<number>();
  const checked = new Set<number>();
  for (const row of recordedFindings) {
    const index = (row.requirement as { index?: number } | null)?.index;
    if (index === undefined) continue;
    checked.add(index);
    if (row.kind === REQUIREMENT_FAILED) failed.add(index);
  }
  const events: NewRunEvent[] = [];
  requirements.forEach((requirement, index) => {
    if (checked.has(index)) return;
    failed.add(index);
    events.push({ type: 'finding', finding: unreported(requirement, index, null) });
  });
  const passed = requirements.length - failed.size;
  events.push(
    { type: 'metric', metric: { key: 'requirements_passed', value: passed } },
    { type: 'metric', metric: { key: 'requirements_failed', value: failed.size } },
    {
      type: 'log',
      level: failed.size ? 'warn' : 'info',
      message: `requirements: ${passed} passed, ${failed.size} failed`,
    },
  );
  await appendRunEvents(tx, parentId, events, null);
}

/**
 * An external run that names a workflow version, succeeding: its metrics checked against the
 * version's requirements, the findings and the passed/failed counts recorded on it.
 */
async function checkExternalRun(tx: Transaction, run: RunRow): Promise<void> {
  const [version] = await tx
    .select({ spec: workflowVersions.spec })
    .from(workflowVersions)
    .where(eq(workflowVersions.id, run.workflowVersionId!));
  // Versions made by imports record what ran elsewhere, and may have no requirements.
  const requirements = (version?.spec as Partial<WorkflowSpec> | undefined)?.requirements ?? [];
  if (!requirements.length) return;
  await checkStepRequirements(tx, run.id, requirements, run);
  await closeRequirements(tx, run.id, requirements);
}

onExternalRunSucceeding(checkExternalRun);
