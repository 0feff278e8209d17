// Every finding of the run and its steps, the most severe first, then what each says.
import type { FindingRow } from '../../runs/results.ts';
import type { Content, Section } from '../document.ts';
import { SEVERITIES } from './summary.ts';
import type { ReportView } from './view.ts';

const bySeverity = (a: FindingRow, b: FindingRow) =>
  SEVERITIES.indexOf(a.severity) - SEVERITIES.indexOf(b.severity) ||
  a.createdAt.getTime() - b.createdAt.getTime();

export function findingsSection(view: ReportView): Section {
  const findings = [...view.data.findings].sort(bySeverity);
  if (!findings.length)
    return {
      id: 'findings',
      title: 'Findings',
      blocks: [{ kind: 'paragraph', content: 'The run recorded no finding.' }],
    };
  const subject = (finding: FindingRow): Content => {
    const id = finding.subjectModelVersionId ?? finding.subjectDatasetVersionId;
    const version = view.version(id);
    return version ? { code: version.ref } : id ? 'a version not in this report' : '–';
  };
  return {
    id: 'findings',
    title: 'Findings',
    blocks: [
      {
        kind: 'table',
        columns: [
          { title: 'Severity' },
          { title: 'Kind' },
          { title: 'Step' },
          { title: 'About' },
          { title: 'Finding' },
          { title: 'Triage' },
        ],
        rows: findings.map((f) => [
          { strong: f.severity },
          { code: f.kind },
          view.runLabel(f.runId),
          subject(f),
          f.title,
          f.status,
        ]),
      },
      { kind: 'subheading', text: 'What each finding says' },
      {
        kind: 'list',
        items: findings.map(
          (f): Content => [
            { strong: `${f.severity} ${f.title}` },
            f.summary ? `: ${f.summary}` : '',
          ],
        ),
      },
    ],
  };
}
