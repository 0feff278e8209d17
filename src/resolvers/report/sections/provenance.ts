// How far the report can be trusted and repeated: the artifacts by digest, where each run
// executed, the audit trail, and the command that runs the same work again.
import type { RunRow } from '../../runs/status.ts';
import type { Content, Section } from '../document.ts';
import { codeOrDash, formatBytes, formatDuration, formatTime } from '../format.ts';
import { type ReportView, runGlobalId } from './view.ts';

export function artifactsSection(view: ReportView): Section | null {
  const { artifacts } = view.data;
  if (!artifacts.length) return null;
  return {
    id: 'artifacts',
    title: 'Artifacts',
    blocks: [
      {
        kind: 'table',
        columns: [
          { title: 'Step' },
          { title: 'Name' },
          { title: 'Type' },
          { title: 'Size', numeric: true },
          { title: 'Digest' },
        ],
        rows: artifacts.map((a) => [
          view.runLabel(a.runId),
          { code: a.name },
          a.mediaType,
          formatBytes(a.sizeBytes),
          { code: a.digest },
        ]),
      },
    ],
  };
}

interface Environment {
  runner?: { id?: string; version?: string };
  hub?: { version?: string };
  node?: string;
  platform?: string;
  host?: string;
  worker?: string;
}

export function environmentSection(view: ReportView): Section {
  // A workflow run itself executes nowhere: its steps do.
  const runs: RunRow[] = view.isWorkflow ? view.data.steps : [view.data.run];
  return {
    id: 'environment',
    title: 'Environment',
    blocks: [
      {
        kind: 'table',
        columns: [
          { title: 'Step' },
          { title: 'Runner' },
          { title: 'Hub' },
          { title: 'Node.js' },
          { title: 'Platform' },
          { title: 'Host' },
          { title: 'Worker' },
          { title: 'Attempt', numeric: true },
          { title: 'Started' },
          { title: 'Duration', numeric: true },
        ],
        rows: runs.map((run) => {
          const env = run.environment as Environment;
          return [
            view.runLabel(run.id),
            { code: `${run.runnerId} ${run.runnerVersion}` },
            env.hub?.version ?? '–',
            env.node ?? '–',
            env.platform ?? '–',
            codeOrDash(env.host),
            codeOrDash(env.worker),
            String(run.attempt),
            formatTime(run.startedAt),
            formatDuration(run.startedAt, run.finishedAt),
          ];
        }),
      },
    ],
  };
}

export function auditSection(view: ReportView): Section {
  const { auditChain: chain, auditRecords: records } = view.data;
  const status: Content =
    chain.reason === null
      ? [
          { verdict: 'pass', text: 'INTACT' },
          ` every record, ${chain.checked} from the first, follows from its predecessor (verified ${formatTime(chain.verifiedAt)})`,
        ]
      : chain.brokenAt === null
        ? [{ verdict: 'fail', text: 'BROKEN' }, `: ${chain.reason}`]
        : [
            { verdict: 'fail', text: 'BROKEN' },
            ` at record #${chain.brokenAt}: ${chain.reason}, so records from #${chain.brokenAt} on cannot be trusted` +
              (records.some((r) => r.id >= chain.brokenAt!) ? ', among them records below' : ''),
          ];
  const about = (targetType: string, targetId: string | null): Content => {
    if (!targetId) return targetType;
    if (targetType === 'Run') return `run ${view.runLabel(targetId)}`;
    const version = view.version(targetId);
    return version ? { code: version.ref } : targetType;
  };
  return {
    id: 'audit',
    title: 'Audit trail',
    blocks: [
      {
        kind: 'paragraph',
        content:
          'Every change to the hub is an audit record whose hash covers the record before it, so ' +
          'altering or removing one breaks the chain from there on.',
      },
      { kind: 'facts', rows: [['Audit chain', status]] },
      {
        kind: 'table',
        columns: [
          { title: '#', numeric: true },
          { title: 'At' },
          { title: 'Who' },
          { title: 'Action' },
          { title: 'About' },
          { title: 'Hash' },
        ],
        rows: records.map((r) => [
          String(r.id),
          formatTime(r.at),
          view.who(r.actor) === r.actor ? r.actor : [view.who(r.actor), ' ', { code: r.actor }],
          { code: r.action },
          about(r.targetType, r.targetId),
          { code: r.hash },
        ]),
      },
    ],
  };
}

export function reproduceSection(view: ReportView): Section {
  const { run, reproduceCommand } = view.data;
  const repeat: Section['blocks'] = [{ kind: 'code', language: 'sh', text: reproduceCommand }];
  if (run.source !== 'hub') return { id: 'reproduce', title: 'Reproduce', blocks: repeat };
  return {
    id: 'reproduce',
    title: 'Reproduce',
    blocks: [
      {
        kind: 'paragraph',
        content:
          'This command executes the run again on this hub: the same runner versions, config and ' +
          'seed, on its inputs once their content is checked against the recorded digests. The ' +
          'new run ends with a REPRODUCED finding when every metric comes out bit for bit the ' +
          'same, NOT_REPRODUCED (naming what differs) otherwise; with --watch, the command exits ' +
          '0 or 1 accordingly, and 2 if the new run fails.',
      },
      {
        kind: 'code',
        language: 'sh',
        text: `evalhub reproduce ${runGlobalId(run.id)} --watch`,
      },
      {
        kind: 'paragraph',
        content:
          'On another hub with the same runner versions and the same content registered, this ' +
          'command runs the same work (the same run key): the same runner or workflow version, ' +
          'inputs pinned by their digests, the same config and seed.',
      },
      ...repeat,
    ],
  };
}
