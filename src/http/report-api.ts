// GET /api/v1/runs/{id}/report?format=md|html|pdf: a run's T&E report as a file, through the
// caller's scope (a run they may not see is a 404, as one that does not exist). The HTML is
// served under a policy that lets it load nothing and run nothing.
import type { IncomingMessage, ServerResponse } from 'node:http';
import { log } from '../logger.ts';
import type { ServiceContext } from '../resolvers/core/context.ts';
import { type ReportFormat, renderReport, runReportData } from '../resolvers/report/compose.ts';
import { REPORT_CSP } from '../resolvers/report/html.ts';
import {
  PdfPrintError,
  type PdfPrinter,
  PdfUnavailableError,
  printPdf,
} from '../resolvers/report/print-pdf.ts';
import { sendJson } from './graphql-endpoint.ts';
import { methodNotAllowed, pathId } from './lineage-api.ts';

const FORMATS = {
  md: { render: 'MARKDOWN', type: 'text/markdown; charset=utf-8', disposition: 'attachment' },
  html: { render: 'HTML', type: 'text/html; charset=utf-8', disposition: 'inline' },
  pdf: { render: 'HTML', type: 'application/pdf', disposition: 'inline' },
} as const satisfies Record<string, { render: ReportFormat; type: string; disposition: string }>;

/** Answers GET /api/v1/runs/{id}/report, or returns false for any other path. */
export async function serveReportApi(
  ctx: ServiceContext,
  req: IncomingMessage,
  res: ServerResponse,
  url: URL,
  printer: PdfPrinter,
): Promise<boolean> {
  const match = /^\/api\/v1\/runs\/([^/]+)\/report$/.exec(url.pathname);
  if (!match) return false;
  if (req.method !== 'GET') return methodNotAllowed(res, 'GET');
  const id = pathId(match[1]!, res);
  if (id === null) return true;
  const name = url.searchParams.get('format') ?? 'html';
  if (!Object.hasOwn(FORMATS, name)) {
    sendJson(res, 400, { error: 'format is md, html or pdf' });
    return true;
  }
  const format = FORMATS[name as keyof typeof FORMATS];
  const data = await runReportData(ctx, id);
  if (!data) {
    sendJson(res, 404, { error: 'no such run (or not visible to you)' });
    return true;
  }
  const text = renderReport(data, format.render);
  let body: Buffer;
  try {
    body = name === 'pdf' ? await printPdf(text, printer, ctx.signal) : Buffer.from(text, 'utf8');
  } catch (error) {
    if (error instanceof PdfUnavailableError) {
      sendJson(res, 501, { error: error.message });
      return true;
    }
    if (error instanceof PdfPrintError) {
      log.warn('printing a report failed', { run: id, error: error.message });
      sendJson(res, 503, { error: error.message });
      return true;
    }
    throw error;
  }
  res
    .writeHead(200, {
      'content-type': format.type,
      'content-length': String(body.length),
      'content-disposition': `${format.disposition}; filename="report-${data.run.id}.${name}"`,
      // The report shows the run as it is now: a running run's report changes.
      'cache-control': 'no-store',
      'x-content-type-options': 'nosniff',
      'content-security-policy': REPORT_CSP,
      'referrer-policy': 'no-referrer',
    })
    .end(body);
  return true;
}
