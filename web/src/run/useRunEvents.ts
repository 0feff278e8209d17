// A run's events, stored then live, as log lines and the latest progress. A run can have tens
// of thousands of events: the stored ones are read in pages of 500 (one request each, where
// the subscription would send them one message each), then the subscription goes on after
// the last; events are added to the log once per animation frame, not one render each.
import { useEffect, useRef, useState } from 'react';
import { type OperationResult, useClient, useSubscription } from 'urql';
import type { UiStoredRunEventsQuery } from '../gql/graphql.ts';
import { graphql } from '../gql/index.ts';
import type { LogLine } from '../parts/EventLog.tsx';
import { advanceStep, type StepStates } from './stepStatus.ts';

// What the log shows of an event.
graphql(`
  fragment UiRunEvent on RunEvent {
    __typename seq at cursor runId step
    ... on RunLogEvent { level message }
    ... on RunStatusEvent { status reason }
    ... on RunProgressEvent { fraction stage progressMessage: message }
    ... on RunMetricEvent { metric { key value } }
    ... on RunFindingEvent { severity title }
    ... on RunArtifactEvent { name mediaType }
    ... on RunOutputEvent { name digest }
    ... on RunStepEvent { stepId status reason }
  }
`);

const StoredEvents = graphql(`
  query UiStoredRunEvents($runId: ID!, $after: String) {
    node(id: $runId) {
      ... on Run {
        events(first: 500, after: $after) {
          edges { node { ...UiRunEvent } }
          pageInfo { hasNextPage endCursor }
        }
      }
    }
  }
`);

const RunEvents = graphql(`
  subscription UiRunEvents($runId: ID!, $after: String) {
    runEvents(runId: $runId, after: $after) { ...UiRunEvent }
  }
`);

function describe(event: Record<string, unknown>): LogLine {
  const e = event as Record<string, string | number | null | { key: string; value: number }>;
  const kinds: Record<string, () => [string, string]> = {
    RunLogEvent: () => [String(e.level), String(e.message)],
    RunStatusEvent: () => ['status', `${e.status}${e.reason ? `: ${e.reason}` : ''}`],
    RunProgressEvent: () => [
      'progress',
      [
        e.stage,
        e.fraction != null ? `${Math.round(Number(e.fraction) * 100)}%` : '',
        e.progressMessage,
      ]
        .filter(Boolean)
        .join(' '),
    ],
    RunMetricEvent: () => {
      const m = e.metric as { key: string; value: number };
      return ['metric', `${m.key} = ${m.value}`];
    },
    RunFindingEvent: () => ['finding', `${e.severity}: ${e.title}`],
    RunArtifactEvent: () => ['artifact', `${e.name} (${e.mediaType})`],
    RunOutputEvent: () => ['output', `${e.name} ${e.digest}`],
    RunStepEvent: () => ['step', `${e.stepId} ${e.status}${e.reason ? `: ${e.reason}` : ''}`],
  };
  const [kind, text] = kinds[String(e.__typename)]?.() ?? ['event', ''];
  // A workflow's stream carries its steps' events too: say whose.
  return {
    seq: Number(e.seq),
    at: String(e.at),
    kind,
    text: e.step ? `[${e.step}] ${text}` : text,
  };
}

/** Events that change what the run's query shows (a workflow's steps are followed apart). */
const REFRESHING = new Set(['RunStatusEvent', 'RunFindingEvent', 'RunArtifactEvent']);

export interface LiveProgress {
  fraction: number | null;
  stage: string | null;
}

interface Batch {
  lines: LogLine[];
  live: LiveProgress | null;
  /** Step changes: [step, status]. */
  steps: [string, string][];
  changed: boolean;
}

const emptyBatch = (): Batch => ({ lines: [], live: null, steps: [], changed: false });

/**
 * The run's log, latest progress and (a workflow's) steps as its stream shows them;
 * `onChange` when an event changes what the run shows.
 */
export function useRunEvents(
  runId: string,
  onChange: () => void,
): { lines: LogLine[]; live: LiveProgress | null; steps: StepStates } {
  const [lines, setLines] = useState<LogLine[]>([]);
  const [live, setLive] = useState<LiveProgress | null>(null);
  const [steps, setSteps] = useState<StepStates>(new Map());
  const pending = useRef<Batch>(emptyBatch());
  // The last sequence number received of each run (a workflow's stream has its steps' too).
  const lastSeq = useRef(new Map<string, number>());
  const frame = useRef<number | null>(null);
  const changed = useRef(onChange);
  changed.current = onChange;

  const flush = () => {
    frame.current = null;
    const batch = pending.current;
    pending.current = emptyBatch();
    if (batch.lines.length) setLines((previous) => previous.concat(batch.lines));
    if (batch.live) setLive(batch.live);
    if (batch.steps.length)
      setSteps((known) =>
        batch.steps.reduce((states, [step, status]) => advanceStep(states, step, status), known),
      );
    if (batch.changed) changed.current();
  };
  useEffect(
    () => () => {
      if (frame.current !== null) cancelAnimationFrame(frame.current);
    },
    [],
  );

  const receive = (e: Record<string, unknown>) => {
    const line = describe(e);
    // A resubscription replays stored events: keep each sequence number of a run once.
    const run = String(e.runId);
    if (line.seq <= (lastSeq.current.get(run) ?? 0)) return;
    lastSeq.current.set(run, line.seq);
    pending.current.lines.push(line);
    // The run's own progress moves its bar, not its steps'.
    if (e.__typename === 'RunProgressEvent' && e.step == null)
      pending.current.live = {
        fraction: e.fraction as number | null,
        stage: e.stage as string | null,
      };
    // The workflow says when a step is queued or ended; a step that emits is running.
    if (e.__typename === 'RunStepEvent' && e.step == null)
      pending.current.steps.push([String(e.stepId), String(e.status)]);
    else if (e.step) pending.current.steps.push([String(e.step), 'RUNNING']);
    if (REFRESHING.has(String(e.__typename))) pending.current.changed = true;
    frame.current ??= requestAnimationFrame(flush);
  };

  // The stored events, page by page; then live ones after the last (undefined: still reading).
  const client = useClient();
  const [after, setAfter] = useState<string | null | undefined>(undefined);
  // biome-ignore lint/correctness/useExhaustiveDependencies: read once per run
  useEffect(() => {
    let live = true;
    (async () => {
      let cursor: string | null = null;
      for (;;) {
        const result: OperationResult<UiStoredRunEventsQuery> = await client
          .query(StoredEvents, { runId, after: cursor }, { requestPolicy: 'network-only' })
          .toPromise();
        const page =
          result.data?.node && 'events' in result.data.node ? result.data.node.events : null;
        if (!live) return;
        // Without a page (an error, a run not visible) the subscription reads from the start.
        if (!page) break;
        for (const edge of page.edges) receive(edge.node as Record<string, unknown>);
        cursor = page.pageInfo.endCursor ?? cursor;
        if (!page.pageInfo.hasNextPage) break;
      }
      setAfter(cursor);
    })();
    return () => {
      live = false;
    };
  }, [client, runId]);

  useSubscription(
    { query: RunEvents, variables: { runId, after }, pause: after === undefined },
    (_previous: null | undefined, event) => {
      receive(event.runEvents as Record<string, unknown>);
      return null;
    },
  );
  return { lines, live, steps };
}
