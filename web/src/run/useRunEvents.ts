// A run's events, stored then live, as log lines and the latest progress. A run can have tens
// of thousands of events and the hub replays the stored ones in a burst: they are gathered
// and added to the log once per animation frame, not one render each.
import { useEffect, useRef, useState } from 'react';
import { useSubscription } from 'urql';
import { graphql } from '../gql/index.ts';
import type { LogLine } from '../parts/EventLog.tsx';

const RunEvents = graphql(`
  subscription UiRunEvents($runId: ID!) {
    runEvents(runId: $runId) {
      __typename seq at
      ... on RunLogEvent { level message }
      ... on RunStatusEvent { status reason }
      ... on RunProgressEvent { fraction stage progressMessage: message }
      ... on RunMetricEvent { metric { key value } }
      ... on RunFindingEvent { severity title }
      ... on RunArtifactEvent { name mediaType }
      ... on RunOutputEvent { name digest }
      ... on RunStepEvent { stepId status reason }
    }
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
  return { seq: Number(e.seq), at: String(e.at), kind, text };
}

/** Events that change what the run's query shows. */
const REFRESHING = new Set([
  'RunStatusEvent',
  'RunFindingEvent',
  'RunArtifactEvent',
  'RunStepEvent',
]);

export interface LiveProgress {
  fraction: number | null;
  stage: string | null;
}

/** The run's log and latest progress; `onChange` when an event changes what the run shows. */
export function useRunEvents(
  runId: string,
  onChange: () => void,
): { lines: LogLine[]; live: LiveProgress | null } {
  const [lines, setLines] = useState<LogLine[]>([]);
  const [live, setLive] = useState<LiveProgress | null>(null);
  const pending = useRef<{ lines: LogLine[]; live: LiveProgress | null; changed: boolean }>({
    lines: [],
    live: null,
    changed: false,
  });
  const lastSeq = useRef(0);
  const frame = useRef<number | null>(null);
  const changed = useRef(onChange);
  changed.current = onChange;

  const flush = () => {
    frame.current = null;
    const batch = pending.current;
    pending.current = { lines: [], live: null, changed: false };
    if (batch.lines.length) setLines((previous) => previous.concat(batch.lines));
    if (batch.live) setLive(batch.live);
    if (batch.changed) changed.current();
  };
  useEffect(
    () => () => {
      if (frame.current !== null) cancelAnimationFrame(frame.current);
    },
    [],
  );

  useSubscription(
    { query: RunEvents, variables: { runId } },
    (_previous: null | undefined, event) => {
      const e = event.runEvents as Record<string, unknown>;
      const line = describe(e);
      // A resubscription replays stored events: keep each sequence number once.
      if (line.seq <= lastSeq.current) return null;
      lastSeq.current = line.seq;
      pending.current.lines.push(line);
      if (e.__typename === 'RunProgressEvent')
        pending.current.live = {
          fraction: e.fraction as number | null,
          stage: e.stage as string | null,
        };
      if (REFRESHING.has(String(e.__typename))) pending.current.changed = true;
      frame.current ??= requestAnimationFrame(flush);
      return null;
    },
  );
  return { lines, live };
}
