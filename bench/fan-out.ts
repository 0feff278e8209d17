// Fan-out: 1,000 and 5,000 graphql-ws subscribers watching one run that emits 100 events/s,
// against a hub in its own process (as deployed). Reports deliveries per second, the time
// from an event being stored to each subscriber receiving it (p50, p99, max), and the
// event-loop delay of the hub's process (and of the subscribers' own) over the same window.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import WebSocket from 'ws';
import type { DatabaseHandle } from '../src/db/connect.ts';
import { localOperator } from '../src/resolvers/core/actor.ts';
import { createApiToken } from '../src/resolvers/identity/tokens.ts';
import { RunnerRegistry } from '../src/runners/registry.ts';
import { startHubProcess } from '../test/support/process.ts';
import {
  type LoopDelay,
  loopDelayEnv,
  loopDelayOf,
  monitorLoopDelay,
  readLoopDelay,
} from './support/loop-delay.ts';
import type { BenchResult } from './support/measure.ts';

/** Subscriber counts measured, one hub each: SUBS=1000,5000 by default. */
const COUNTS = (process.env.SUBS ?? '1000,5000').split(',').map(Number);
const RATE = 100;
const SECONDS = Number(process.env.SECS ?? 30);
/** Subscribers connecting at once. */
const WAVE = 250;

const subscription = 'subscription Watch($runId: ID!) { runEvents(runId: $runId) { seq at } }';

const delayText = (delay: LoopDelay) =>
  `p50 ${delay.p50} ms, p99 ${delay.p99} ms, max ${delay.max} ms`;

interface Target {
  kind: 'pglite' | 'postgres';
  url?: string;
  /** The benchmark's database: on PostgreSQL, the one the hub serves. */
  database: DatabaseHandle;
}

export async function benchFanOut(target: Target): Promise<BenchResult[]> {
  const results: BenchResult[] = [];
  for (const count of COUNTS) results.push(await fanOut(target, count));
  return results;
}

/** An admin token of the PostgreSQL hub (which requires one); the embedded one needs none. */
async function authorization(target: Target): Promise<string | undefined> {
  if (!target.url) return undefined;
  const ctx = {
    db: target.database.db,
    actor: localOperator('bench'),
    runners: new RunnerRegistry([]),
  };
  const { secret } = await createApiToken(ctx, { name: `fan-out ${Date.now()}`, admin: true });
  return `Bearer ${secret}`;
}

async function fanOut(target: Target, subscribers: number): Promise<BenchResult> {
  const auth = await authorization(target);
  const folder = mkdtempSync(join(tmpdir(), 'evalhub-fanout-'));
  const hubDelayFile = join(folder, 'hub-loop-delay.json');
  // On PostgreSQL the run executes in a worker process of its own, as deployed; the
  // embedded database serves one process, whose own worker executes it.
  const hub = await startHubProcess(['serve'], {
    ...loopDelayEnv(hubDelayFile),
    ...(target.url
      ? { DATABASE_URL: target.url, EVALHUB_WORKERS: '0' }
      : { DATABASE_URL: '', EVALHUB_DATA_DIR: `${folder}/db`, EVALHUB_WORKERS: '1' }),
  });
  const worker = target.url
    ? await startHubProcess(['worker'], { DATABASE_URL: target.url, EVALHUB_WORKERS: '1' })
    : null;
  const ownDelay = monitorLoopDelay();
  try {
    const post = async (query: string) => {
      const response = await fetch(`${hub.url}/graphql`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...(auth ? { authorization: auth } : {}) },
        body: JSON.stringify({ query }),
      });
      const body = (await response.json()) as { data?: Record<string, { run?: { id: string } }> };
      const run = Object.values(body.data ?? {})[0]?.run;
      if (!run) throw new Error(`the hub answered ${JSON.stringify(body)}`);
      return run.id;
    };
    const start = (events: number, rate: number) =>
      post(`mutation { startRun(input: {project: "bench", runner: "event-generator",
        config: {events: ${events}, ratePerSecond: ${rate}}}) { ... on StartRunPayload { run { id } } } }`);
    // The hub's single worker is kept busy by a first run, so the measured run stays queued
    // while the subscribers connect; once every one has its first event (QUEUED), the first
    // run is cancelled and the measured one starts.
    const blocker = await start(100_000, 1);
    const runId = await start(RATE * SECONDS, RATE);

    const latencies: number[] = [];
    let deliveries = 0;
    let measureFrom = Number.POSITIVE_INFINITY;
    let lastAt = 0;
    let firstAt = Number.POSITIVE_INFINITY;
    // Lean clients speaking graphql-transport-ws over `ws` directly: the measurement is of
    // the hub, so the subscribers, sharing this machine's two cores, should cost little
    // (the timestamp is read from the message's text, not parsed as JSON).
    const wsUrl = `${hub.url.replace('http', 'ws')}/graphql`;
    const connected: Array<Promise<void>> = [];
    const subscribe = () => {
      const socket = new WebSocket(wsUrl, 'graphql-transport-ws');
      let ready: () => void = () => {};
      connected.push(new Promise<void>((resolve) => (ready = resolve)));
      return new Promise<void>((resolve, reject) => {
        socket.on('open', () =>
          socket.send(
            JSON.stringify({
              type: 'connection_init',
              ...(auth ? { payload: { authorization: auth } } : {}),
            }),
          ),
        );
        socket.on('error', reject);
        socket.on('close', (code, reason) =>
          reject(new Error(`a subscriber's socket closed: ${code} ${String(reason)}`)),
        );
        socket.on('message', (data) => {
          const text = String(data);
          const at = text.indexOf('"at":"');
          if (text.startsWith('{"id":"1","type":"next"') && at > 0) {
            ready();
            const stored = Date.parse(text.slice(at + 6, text.indexOf('"', at + 6)));
            if (stored >= measureFrom) {
              deliveries += 1;
              latencies.push(Date.now() - stored);
              lastAt = Math.max(lastAt, stored);
              firstAt = Math.min(firstAt, stored);
            }
            return;
          }
          const message = JSON.parse(text) as { type: string; payload?: unknown };
          if (message.type === 'connection_ack') {
            socket.send(
              JSON.stringify({
                id: '1',
                type: 'subscribe',
                payload: { query: subscription, variables: { runId } },
              }),
            );
          } else if (message.type === 'complete') {
            socket.close();
            resolve();
          } else {
            reject(new Error(text));
          }
        });
      });
    };
    // In waves, as clients arrive: a thousand connections at once overflow the hub's
    // listen backlog. A subscriber that fails fails the benchmark, not hangs it.
    const done: Array<Promise<void>> = [];
    for (let wave = 0; wave < subscribers; wave += WAVE) {
      for (let i = wave; i < Math.min(subscribers, wave + WAVE); i += 1) done.push(subscribe());
      await Promise.race([Promise.all(connected), Promise.all(done)]);
    }
    measureFrom = Date.now();
    hub.child.kill('SIGUSR2');
    await post(`mutation { cancelRun(id: "${blocker}") { ... on RunPayload { run { id } } } }`);
    ownDelay.enable();
    await Promise.all(done);
    hub.child.kill('SIGUSR2');
    ownDelay.disable();
    // The rate over the run's own span of events, from its first to its last.
    const window = (lastAt - firstAt) / 1000;
    latencies.sort((a, b) => a - b);
    const at = (q: number) =>
      latencies[Math.min(latencies.length - 1, Math.floor(q * latencies.length))]!;
    const hubDelay = await readLoopDelay(hubDelayFile);
    return {
      name: `fan-out (${target.kind}, ${subscribers.toLocaleString('en')} graphql-ws subscribers, one run at ${RATE} events/s; ${
        target.url ? 'API and worker processes' : 'one hub process'
      })`,
      figures: {
        'deliveries per second': Math.round(deliveries / window).toLocaleString('en'),
        'deliveries measured': deliveries.toLocaleString('en'),
        'store-to-receive latency p50': `${at(0.5)} ms`,
        'store-to-receive latency p99': `${at(0.99)} ms`,
        'store-to-receive latency max': `${latencies.at(-1)} ms`,
        "hub's event-loop delay": delayText(hubDelay),
        // What the hub spends per message, whatever keeps the subscribers waiting.
        "hub's CPU time per delivery": `${((hubDelay.cpuMs! * 1000) / deliveries).toFixed(1)} µs`,
        "subscribers' event-loop delay (the bench's process)": delayText(loopDelayOf(ownDelay)),
      },
    };
  } finally {
    await worker?.stop();
    await hub.stop();
    rmSync(folder, { recursive: true, force: true });
  }
}
