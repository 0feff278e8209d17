// The verdict on each requirement of a workflow run, from the REQUIREMENT_PASSED and
// REQUIREMENT_FAILED findings the hub records as the steps end (the report's verdict table).
import { Link } from 'wouter';
import './run.css';

export interface SpecRequirement {
  id?: string;
  step?: string;
  metric: string;
  op: string;
  threshold: number;
  slice?: Record<string, string>;
  severity?: string;
}

interface RequirementFinding {
  id: string;
  kind: string;
  requirement?: unknown;
  evidence: unknown;
}

interface Evidence {
  step?: string;
  value?: number;
  ci?: { lower: number; upper: number; level: number } | null;
  slice?: Record<string, string>;
  certain?: boolean | null;
  reason?: string;
}

const text = (r: SpecRequirement) => {
  const slice = Object.entries(r.slice ?? {})
    .map(([label, value]) => `${label}=${value}`)
    .join(', ');
  return `${r.metric}${slice ? ` [${slice}]` : ''} ${r.op} ${r.threshold}`;
};

function value(e: Evidence): string {
  if (e.reason === 'NOT_REPORTED' || e.value === undefined) return 'not reported';
  const v = String(Number(e.value.toPrecision(4)));
  return e.ci
    ? `${v} (${Number(e.ci.lower.toPrecision(4))} – ${Number(e.ci.upper.toPrecision(4))})`
    : v;
}

const where = (slice: Record<string, string> | undefined) =>
  Object.entries(slice ?? {})
    .map(([label, v]) => `${label}=${v}`)
    .join(', ') || 'whole data';

export function Verdicts({
  requirements,
  findings,
  datasetOf,
}: {
  requirements: readonly SpecRequirement[];
  findings: readonly RequirementFinding[];
  /** The id of the dataset version a step read, if any: where a verdict's trace leads. */
  datasetOf: (step: string | undefined) => string | undefined;
}) {
  const checks = findings.filter(
    (f) => f.kind === 'REQUIREMENT_PASSED' || f.kind === 'REQUIREMENT_FAILED',
  );
  const rows = requirements.flatMap((requirement, index) => {
    type Row = { requirement: SpecRequirement; index: number; finding: RequirementFinding | null };
    const mine = checks.filter(
      (f) => (f.requirement as { index?: number } | null)?.index === index,
    );
    return mine.length
      ? mine.map((finding): Row => ({ requirement, index, finding }))
      : [{ requirement, index, finding: null } as Row];
  });
  return (
    <table aria-label="requirement verdicts">
      <thead>
        <tr>
          <th scope="col">Requirement</th>
          <th scope="col">Step</th>
          <th scope="col">Slice</th>
          <th scope="col">Value (95% interval)</th>
          <th scope="col">Verdict</th>
          <th scope="col">Interval wholly on one side</th>
          <th scope="col">Severity</th>
        </tr>
      </thead>
      <tbody>
        {rows.map(({ requirement, index, finding }) => {
          const e = (finding?.evidence ?? {}) as Evidence;
          const passed = finding?.kind === 'REQUIREMENT_PASSED';
          return (
            <tr key={finding?.id ?? `r${index}`} data-requirement={requirement.id ?? index}>
              <td>
                {requirement.id ? `${requirement.id}: ` : ''}
                <code>{text(requirement)}</code>
              </td>
              <td>{e.step ?? requirement.step ?? 'any'}</td>
              <td>{where(e.slice ?? requirement.slice)}</td>
              <td>{finding ? value(e) : '–'}</td>
              <td>
                {finding ? (
                  <>
                    <span className={`verdict verdict-${passed ? 'pass' : 'fail'}`}>
                      {passed ? 'PASS' : 'FAIL'}
                    </span>{' '}
                    <Link href={traceLink(finding.id, datasetOf(e.step ?? requirement.step))}>
                      trace
                    </Link>
                  </>
                ) : (
                  <span className="verdict">NOT CHECKED YET</span>
                )}
              </td>
              <td>
                {e.certain === true
                  ? 'yes'
                  : e.certain === false
                    ? 'no: it crosses the threshold'
                    : '–'}
              </td>
              <td>{requirement.severity ?? ''}</td>
            </tr>
          );
        })}
      </tbody>
    </table>
  );
}

/** The lineage of a verdict, with the path to the dataset its step read highlighted. */
function traceLink(finding: string, dataset: string | undefined): string {
  const to = dataset ? `&to=${encodeURIComponent(dataset)}` : '';
  return `/lineage?id=${encodeURIComponent(finding)}${to}`;
}
