// The report's opening: what ran and how it ended, then the verdict on each requirement of
// the workflow, from the REQUIREMENT_* findings the hub recorded as the steps ended.
import type { FindingRow } from '../../runs/results.ts';
import type { RunRow } from '../../runs/status.ts';
import { requirementText, sliceText } from '../../workflows/requirement-check.ts';
import { REQUIREMENT_FAILED, REQUIREMENT_PASSED } from '../../workflows/requirements.ts';
import type { Requirement } from '../../workflows/spec.ts';
import type { Content, Inline, Section } from '../document.ts';
import {
  formatDuration,
  formatInterval,
  formatNumber,
  formatTime,
  type Interval,
} from '../format.ts';
import { type ReportView, runGlobalId } from './view.ts';

export const SEVERITIES = ['CRITICAL', 'HIGH', 'MEDIUM', 'LOW', 'INFO'] as const;

interface RequirementEvidence {
  step?: string;
  value?: number;
  ci?: Interval | null;
  slice?: Record<string, string>;
  sampleSize?: number | null;
  certain?: boolean | null;
  reason?: string;
}

type RecordedRequirement = Requirement & { index: number };

export const isRequirementFinding = (finding: FindingRow) =>
  finding.kind === REQUIREMENT_PASSED || finding.kind === REQUIREMENT_FAILED;

export function statusVerdict(status: RunRow['status']): Inline {
  if (status === 'SUCCEEDED') return { verdict: 'pass', text: status };
  if (status === 'FAILED' || status === 'CANCELLED') return { verdict: 'fail', text: status };
  return { verdict: 'open', text: status };
}

/** Each requirement of the spec: met, failed, or not checked (yet). */
function requirementOutcomes(view: ReportView) {
  const spec = view.data.workflow?.spec.requirements ?? [];
  const outcome = spec.map(() => 'not checked' as 'met' | 'failed' | 'not checked');
  for (const finding of view.data.findings.filter(isRequirementFinding)) {
    const index = (finding.requirement as RecordedRequirement | null)?.index;
    if (index === undefined || index >= outcome.length) continue;
    if (finding.kind === REQUIREMENT_FAILED) outcome[index] = 'failed';
    else if (outcome[index] !== 'failed') outcome[index] = 'met';
  }
  return outcome;
}

function findingCounts(findings: readonly FindingRow[]): string {
  const counts = SEVERITIES.map(
    (severity) => [severity, findings.filter((f) => f.severity === severity).length] as const,
  ).filter(([, n]) => n > 0);
  return counts.length ? counts.map(([severity, n]) => `${n} ${severity}`).join(', ') : 'none';
}

export function summarySection(view: ReportView): Section {
  const { run, workflow } = view.data;
  const what: Content =
    workflow && view.isWorkflow
      ? ['workflow ', { code: workflow.ref }, `, version ${workflow.number}`]
      : [
          'runner ',
          { code: run.runnerId },
          ` ${run.runnerVersion}`,
          ...(run.parentRunId
            ? [`, step ${run.stepId} of workflow run `, { code: runGlobalId(run.parentRunId) }]
            : []),
        ];
  const rows: Array<readonly [string, Content]> = [
    // An unnamed run goes by what it ran, as search titles it.
    ['Run', run.name ?? (workflow && view.isWorkflow ? workflow.ref : run.runnerId)],
    ['Run id', { code: runGlobalId(run.id) }],
    ['Project', view.data.project],
    ['What ran', what],
    ['Status', statusVerdict(run.status)],
  ];
  const error = run.error as { code: string; message: string } | null;
  if (error) rows.push(['Error', [{ code: error.code }, ` ${error.message}`]]);
  rows.push(
    ['Started by', view.who(run.createdBy)],
    ['Queued', formatTime(run.createdAt)],
    ['Started', formatTime(run.startedAt)],
    ['Finished', formatTime(run.finishedAt)],
    ['Duration', formatDuration(run.startedAt, run.finishedAt)],
    ['Seed', String(run.seed)],
    ['Run key', { code: run.runKey }],
  );
  if (view.isWorkflow && workflow?.spec.requirements?.length) {
    const outcomes = requirementOutcomes(view);
    const count = (what: string) => outcomes.filter((o) => o === what).length;
    const failed = count('failed');
    rows.push([
      'Requirements',
      [
        failed
          ? { verdict: 'fail', text: `${failed} FAILED` }
          : { verdict: 'pass', text: 'ALL MET' },
        ` ${count('met')} of ${outcomes.length} met` +
          (count('not checked') ? `, ${count('not checked')} not checked` : ''),
      ],
    ]);
  }
  rows.push(['Findings', findingCounts(view.data.findings)]);
  return { id: 'summary', title: 'Summary', blocks: [{ kind: 'facts', rows }] };
}

function certainty(evidence: RequirementEvidence): string {
  if (evidence.reason === 'NOT_REPORTED') return '–';
  if (evidence.certain === true) return 'yes';
  if (evidence.certain === false) return 'no: it crosses the threshold';
  return 'no interval';
}

/** The verdict table of a workflow run's requirements; null for a run that checks none. */
export function verdictSection(view: ReportView): Section | null {
  const requirements = view.data.workflow?.spec.requirements ?? [];
  if (!view.isWorkflow || !requirements.length) return null;
  const findings = view.data.findings.filter(isRequirementFinding);
  const rows: Content[][] = [];
  requirements.forEach((requirement, index) => {
    const label: Content = [
      requirement.id ? `${requirement.id}: ` : '',
      { code: requirementText(requirement) },
    ];
    const checked = findings.filter(
      (f) => (f.requirement as RecordedRequirement | null)?.index === index,
    );
    if (!checked.length) {
      rows.push([
        label,
        requirement.step ?? 'any',
        sliceText(requirement.slice ?? {}) || 'whole data',
        '–',
        '–',
        '–',
        { verdict: 'open', text: 'NOT CHECKED' },
        '–',
        requirement.severity,
      ]);
      return;
    }
    for (const finding of checked) {
      const evidence = finding.evidence as RequirementEvidence;
      const passed = finding.kind === REQUIREMENT_PASSED;
      rows.push([
        label,
        evidence.step ?? requirement.step ?? 'any',
        sliceText(evidence.slice ?? {}) || 'whole data',
        evidence.value === undefined ? 'not reported' : formatNumber(evidence.value),
        formatInterval(evidence.ci ?? null),
        evidence.sampleSize == null ? '–' : String(evidence.sampleSize),
        passed ? { verdict: 'pass', text: 'PASS' } : { verdict: 'fail', text: 'FAIL' },
        certainty(evidence),
        requirement.severity,
      ]);
    }
  });
  return {
    id: 'verdict',
    title: 'Verdict',
    blocks: [
      {
        kind: 'paragraph',
        content:
          'Each requirement of the workflow, checked on the values its step reported. The value is ' +
          'the first that fails, or when all pass the closest to the threshold; "wholly on one side" ' +
          'says whether its whole confidence interval lies on the same side of the threshold, so ' +
          'that sampling noise cannot overturn the verdict.',
      },
      {
        kind: 'table',
        columns: [
          { title: 'Requirement' },
          { title: 'Step' },
          { title: 'Slice' },
          { title: 'Value', numeric: true },
          { title: '95% interval', numeric: true },
          { title: 'n', numeric: true },
          { title: 'Result' },
          { title: 'Interval wholly on one side' },
          { title: 'Severity' },
        ],
        rows,
      },
    ],
  };
}
