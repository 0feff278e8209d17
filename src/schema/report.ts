// The T&E report of a run, and the command that repeats it. GET
// /api/v1/runs/{id}/report serves the same report as a file, and as PDF.
import { NotFoundError } from '../resolvers/core/errors.ts';
import { encodeGlobalId } from '../resolvers/core/global-id.ts';
import { type ReportFormat, renderReport } from '../resolvers/report/compose.ts';
import { builder } from './builder.ts';
import { RunRef } from './refs.ts';

const ReportFormatEnum = builder.enumType('ReportFormat', {
  description: 'How a report is written.',
  values: {
    MARKDOWN: { description: 'GitHub-flavoured Markdown; charts are named, not embedded.' },
    HTML: {
      description:
        'One self-contained HTML page: inline CSS, charts as data: images, no script, nothing fetched.',
    },
  },
});

builder.objectFields(RunRef, (t) => ({
  report: t.string({
    description:
      'The T&E report of this run: what was evaluated (versions, digests, derivations), the ' +
      "verdict on the workflow's requirements, metrics with intervals, per-class results, " +
      'confusion matrix, robustness curves, data profile and drift, findings by severity, ' +
      'environment, audit-chain status and the command that reproduces it. Markdown or HTML; ' +
      'GET /api/v1/runs/{id}/report?format=pdf gives it as PDF.',
    args: {
      format: t.arg({
        type: ReportFormatEnum,
        required: true,
        description: 'Markdown or HTML.',
      }),
    },
    resolve: async (run, args, ctx) => {
      const data = await ctx.loaders.runReport.load(run.id);
      if (!data) throw new NotFoundError('run', encodeGlobalId('Run', run.id));
      return renderReport(data, args.format as ReportFormat);
    },
  }),
  reproduceCommand: t.string({
    description:
      'The `evalhub run` command line that runs the same work again: the same runner (or ' +
      'workflow version, by digest), inputs pinned by digest, config and seed, quoted for a ' +
      'POSIX shell. For a run imported from another tool, a shell comment saying it cannot be ' +
      'repeated here.',
    resolve: async (run, _args, ctx) => {
      const command = await ctx.loaders.reproduceCommand.load(run.id);
      if (command === null) throw new NotFoundError('run', encodeGlobalId('Run', run.id));
      return command;
    },
  }),
}));
