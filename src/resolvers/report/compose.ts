// The T&E report of a run: the sections in the order a reader needs them, composed once
// into a document, and rendered from it to Markdown or HTML.

import type { ServiceContext } from '../core/context.ts';
import { decodeGlobalId, UUID } from '../core/global-id.ts';
import type { ReportDocument, Section } from './document.ts';
import { gatherRunReports, type RunReportData } from './gather.ts';
import { renderHtml } from './html.ts';
import { renderMarkdown } from './markdown.ts';
import { evaluatedSection } from './sections/evaluated.ts';
import { findingsSection } from './sections/findings.ts';
import {
  artifactsSection,
  auditSection,
  environmentSection,
  reproduceSection,
} from './sections/provenance.ts';
import { resultSections } from './sections/results.ts';
import { summarySection, verdictSection } from './sections/summary.ts';
import { reportView } from './sections/view.ts';

export type ReportFormat = 'MARKDOWN' | 'HTML';

export function composeReport(data: RunReportData): ReportDocument {
  const view = reportView(data);
  const { run, workflow } = data;
  const subject = run.name ?? (view.isWorkflow && workflow ? workflow.ref : run.runnerId);
  const sections: Array<Section | null> = [
    summarySection(view),
    verdictSection(view),
    evaluatedSection(view),
    ...resultSections(view),
    findingsSection(view),
    artifactsSection(view),
    environmentSection(view),
    auditSection(view),
    reproduceSection(view),
  ];
  return {
    title: `T&E report: ${subject}`,
    generatedAt: data.generatedAt,
    sections: sections.filter((section): section is Section => section !== null),
  };
}

export function renderReport(data: RunReportData, format: ReportFormat): string {
  const document = composeReport(data);
  return format === 'HTML' ? renderHtml(document) : renderMarkdown(document);
}

/** The data of the report on the run `ref` (a global id or a run's UUID); null if the actor cannot see it. */
export async function runReportData(
  ctx: ServiceContext,
  ref: string,
): Promise<RunReportData | null> {
  const decoded = decodeGlobalId(ref);
  const id = decoded?.type === 'Run' ? decoded.id : UUID.test(ref) ? ref : null;
  if (!id) return null;
  const [data] = await gatherRunReports(ctx, [id]);
  return data ?? null;
}
