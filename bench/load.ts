// Many clients at once: CLIENTS concurrent clients (200 by default) send a mix of reads and
// writes for SECONDS (30 by default; EVALHUB_BENCH_LOAD_SECONDS), each waiting for its answer
// before the next. Reports requests per second, p50 / p99 / max of each kind of request and
// of all, and timeouts (the hub's 504 or no answer within its request timeout). Goal on the
// embedded database: p99 under 2 s, no timeout, cheap requests not starved by costly ones.

import { monitorEventLoopDelay } from 'node:perf_hooks';
import type { DatabaseHandle } from '../src/db/connect.ts';
import { startHub } from '../src/server.ts';
import { benchHubConfig } from './support/bench-hub.ts';
import { GraphQLRequestError, postGraphQL } from './support/graphql-post.ts';
import type { BenchResult } from './support/measure.ts';

const CLIENTS = Number(process.env.EVALHUB_BENCH_LOAD_CLIENTS ?? 200);
const SECONDS = Number(process.env.EVALHUB_BENCH_LOAD_SECONDS ?? 30);
for (const [name, value] of [
  ['EVALHUB_BENCH_LOAD_CLIENTS', CLIENTS],
  ['EVALHUB_BENCH_LOAD_SECONDS', SECONDS],
] as const)
  if (!Number.isInteger(value) || value < 1)
    throw new Error(`${name} must be a whole number of at least 1, not ${value}`);
/** Runs recorded before the clients start, each with METRICS metrics and a few findings. */
const RUNS = 100;
const METRICS = 300;
const REQUEST_TIMEOUT_MS = 30_000;

const OpenRun = `mutation($i: OpenExternalRunInput!) { openExternalRun(input: $i) {
  __typename ... on RunPayload { run { id } } ... on Error { message } } }`;
const Append = `mutation($i: AppendExternalRunEventsInput!) { appendExternalRunEvents(input: $i) {
  __typename ... on AppendExternalRunEventsPayload { nextSeq } ... on Error { message } } }`;
const Finish = `mutation($i: FinishExternalRunInput!) { finishExternalRun(input: $i) {
  __typename ... on Error { message } } }`;

/** What the clients send, with how often (weights out of 100). */
const MIX = {
  'run by id': {
    weight: 40,
    query: 'query($id: ID!) { node(id: $id) { ... on Run { id status name createdAt } } }',
  },
  'runs page': {
    weight: 20,
    query: 'query { runs(first: 20) { edges { node { id status name createdAt tags } } } }',
  },
  'runs page with metrics': {
    weight: 20,
    query:
      'query { runs(first: 20) { edges { node { id status metrics(first: 20) { edges { node { key value slice step } } } } } } }',
  },
  'append metrics (write)': { weight: 20, query: Append },
} as const;
type Kind = keyof typeof MIX;

/** The kind whose share of the 100 weights holds `point`. */
function pickKind(point: number): Kind {
  let left = point;
  for (const kind of Object.keys(MIX) as Kind[]) {
    left -= MIX[kind].weight;
    if (left < 0) return kind;
  }
  return 'run by id';
}

/** A seeded generator (mulberry32): uniform in [0, 1). */
function generator(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const metricEvents = (count: number, offset: number) =>
  Array.from({ length: count }, (_, i) => ({
    type: 'metric',
    key: `metric-${(offset + i) % 10}`,
    value: ((offset + i) % 97) / 97,
    slice: { class: `class-${Math.floor((offset + i) / 10) % 30}` },
  }));

async function openRun(url: string, name: string): Promise<string> {
  const opened = await postGraphQL<{
    openExternalRun: { __typename: string; message?: string; run?: { id: string } };
  }>(url, OpenRun, {
    i: { project: 'load', runner: 'load-bench', runnerVersion: '1', name, tags: ['load'] },
  });
  if (!opened.openExternalRun.run) throw new Error(opened.openExternalRun.message);
  return opened.openExternalRun.run.id;
}

async function append(url: string, run: string, firstSeq: number, events: unknown[]) {
  const appended = await postGraphQL<{
    appendExternalRunEvents: { __typename: string; message?: string };
  }>(url, Append, { i: { run, firstSeq, events } });
  if (appended.appendExternalRunEvents.__typename !== 'AppendExternalRunEventsPayload')
    throw new Error(appended.appendExternalRunEvents.message);
}

/** Records RUNS finished runs of METRICS metrics and 3 findings each; their ids. */
async function seed(url: string): Promise<string[]> {
  const ids: string[] = [];
  for (let r = 0; r < RUNS; r++) {
    const id = await openRun(url, `seeded ${r}`);
    const findings = Array.from({ length: 3 }, (_, i) => ({
      type: 'finding',
      kind: 'threshold',
      severity: 'LOW',
      title: `finding ${i} of run ${r}`,
    }));
    await append(url, id, 1, [...metricEvents(METRICS, r), ...findings]);
    await postGraphQL(url, Finish, { i: { run: id, status: 'SUCCEEDED' } });
    ids.push(id);
  }
  return ids;
}

interface Sample {
  kind: Kind;
  /** When it was sent, in ms from the clock's start. */
  at: number;
  ms: number;
  outcome: 'ok' | 'timeout' | 'error';
}

const quantile = (sorted: number[], q: number) =>
  sorted.length ? sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]! : Number.NaN;
const msText = (value: number) => (Number.isNaN(value) ? '-' : `${Math.round(value)} ms`);

function summary(samples: Sample[]): string {
  const times = samples.map((s) => s.ms).sort((a, b) => a - b);
  return `p50 ${msText(quantile(times, 0.5))}, p99 ${msText(quantile(times, 0.99))}, max ${msText(times.at(-1) ?? Number.NaN)} (${samples.length})`;
}

/** The benchmark on `target`'s database: a hub without workers, in this process. */
export async function benchLoad(target: {
  kind: 'pglite' | 'postgres';
  database: DatabaseHandle;
}): Promise<BenchResult> {
  const hub = await startHub({
    config: benchHubConfig({ requestTimeoutMs: REQUEST_TIMEOUT_MS }),
    database: target.database,
  });
  const url = `${hub.url}/graphql`;
  try {
    const seedStart = performance.now();
    const runs = await seed(url);
    const seedSeconds = (performance.now() - seedStart) / 1000;
    const samples: Sample[] = [];
    const errors = new Map<string, number>();
    const kinds = Object.keys(MIX) as Kind[];
    // Each client writes into a run of its own, opened before the clock starts.
    const own: string[] = [];
    for (let index = 0; index < CLIENTS; index++) own.push(await openRun(url, `client ${index}`));
    // Each document once before the clock starts, so the hub has parsed and validated them
    // (200 requests of a document it has not seen yet would each validate it, at once).
    for (const kind of kinds)
      if (kind !== 'append metrics (write)')
        await postGraphQL(url, MIX[kind].query, { id: runs[0] });
    const deadline = performance.now() + SECONDS * 1000;
    const client = async (index: number) => {
      const random = generator(index + 1);
      let nextSeq = 1;
      while (performance.now() < deadline) {
        const kind = pickKind(random() * 100);
        const variables =
          kind === 'run by id'
            ? { id: runs[Math.floor(random() * runs.length)]! }
            : kind === 'append metrics (write)'
              ? { i: { run: own[index], firstSeq: nextSeq, events: metricEvents(5, nextSeq) } }
              : {};
        const start = performance.now();
        let outcome: Sample['outcome'] = 'ok';
        try {
          await postGraphQL(
            url,
            MIX[kind].query,
            variables,
            AbortSignal.timeout(REQUEST_TIMEOUT_MS + 5000),
          );
          if (kind === 'append metrics (write)') nextSeq += 5;
        } catch (error) {
          const timedOut =
            (error instanceof GraphQLRequestError && error.status === 504) ||
            (error as Error).name === 'TimeoutError';
          outcome = timedOut ? 'timeout' : 'error';
          if (!timedOut) {
            const message = (error as Error).message.slice(0, 120);
            errors.set(message, (errors.get(message) ?? 0) + 1);
          }
        }
        samples.push({ kind, at: start - started, ms: performance.now() - start, outcome });
      }
    };
    // The hub runs in this process: a blocked or starved event loop delays every answer.
    const loopDelay = monitorEventLoopDelay({ resolution: 10 });
    loopDelay.enable();
    const started = performance.now();
    await Promise.all(Array.from({ length: CLIENTS }, (_, i) => client(i)));
    const seconds = (performance.now() - started) / 1000;
    loopDelay.disable();
    const timedOut = samples.filter((s) => s.outcome === 'timeout').map((s) => s.at / 1000);
    const all = samples.filter((s) => s.outcome !== 'error');
    const timeouts = samples.filter((s) => s.outcome === 'timeout').length;
    const times = all.map((s) => s.ms).sort((a, b) => a - b);
    const p99 = quantile(times, 0.99);
    const figures: BenchResult['figures'] = {
      'requests/s (answered)': Math.round(
        samples.filter((s) => s.outcome === 'ok').length / seconds,
      ),
      'all requests': summary(all),
      timeouts: `${timeouts} (${((100 * timeouts) / Math.max(1, samples.length)).toFixed(1)} %)`,
      errors: errors.size
        ? [...errors].map(([message, count]) => `${count} x ${message}`).join('; ')
        : 0,
    };
    for (const kind of kinds) figures[kind] = summary(all.filter((s) => s.kind === kind));
    figures['event loop delay p99 / max'] =
      `${msText(loopDelay.percentile(99) / 1e6)} / ${msText(loopDelay.max / 1e6)}`;
    if (timedOut.length)
      figures['timed-out requests sent'] =
        `${Math.min(...timedOut).toFixed(1)} s to ${Math.max(...timedOut).toFixed(1)} s after the start`;
    figures['goal: p99 < 2 s, no timeouts'] = p99 < 2000 && timeouts === 0 ? 'met' : 'missed';
    figures.seeding = `${RUNS} runs of ${METRICS} metrics in ${seedSeconds.toFixed(1)} s`;
    return {
      name: `load (${target.kind}, ${CLIENTS} clients for ${SECONDS} s, mixed reads and writes, hub without workers)`,
      figures,
    };
  } finally {
    await hub.close();
  }
}
