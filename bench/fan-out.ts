// Fan-out: 1,000 graphql-ws subscribers watching one run that emits 100 events/s, against
// a hub in its own process (as deployed). Reports deliveries per second, and the time from
// an event being stored to each subscriber receiving it (p50, p99).
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import WebSocket from 'ws';
import { startHubProcess } from '../test/support/process.ts';
import type { BenchResult } from './support/measure.ts';

const SUBSCRIBERS = Number(process.env.SUBS ?? 1000);
const RATE = 100;
const SECONDS = Number(process.env.SECS ?? 30);

const subscription = 'subscription Watch($runId: ID!) { runEvents(runId: $runId) { seq at } }';

export async function benchFanOut(target: {
  kind: 'pglite' | 'postgres';
  url?: string;
}): Promise<BenchResult> {
  const folder = mkdtempSync(join(tmpdir(), 'evalhub-fanout-'));
  // On PostgreSQL the run executes in a worker process of its own, as deployed; the
  // embedded database serves one process, whose own worker executes it.
  const hub = await startHubProcess(
    ['serve'],
    target.url
      ? { DATABASE_URL: target.url, EVALHUB_WORKERS: '0' }
      : { DATABASE_URL: '', EVALHUB_DATA_DIR: `${folder}/db`, EVALHUB_WORKERS: '1' },
  );
  const worker = target.url
    ? await startHubProcess(['worker'], { DATABASE_URL: target.url, EVALHUB_WORKERS: '1' })
    : null;
  try {
    const start = async (events: number, rate: number) => {
      const response = await fetch(`${hub.url}/graphql`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({
          query: `mutation { startRun(input: {project: "bench", runner: "event-generator",
            config: {events: ${events}, ratePerSecond: ${rate}}}) { ... on StartRunPayload { run { id } } } }`,
        }),
      });
      return ((await response.json()) as { data: { startRun: { run: { id: string } } } }).data
        .startRun.run.id;
    };
    // The hub's single worker is busy for a few seconds with a first run, so the measured
    // run stays queued until every subscriber is connected: nothing is replayed.
    await start(6, 1);
    const runId = await start(RATE * SECONDS, RATE);

    const latencies: number[] = [];
    let deliveries = 0;
    let measureFrom = Number.POSITIVE_INFINITY;
    let lastAt = 0;
    let firstAt = Number.POSITIVE_INFINITY;
    // Lean clients speaking graphql-transport-ws over `ws` directly: the measurement is of
    // the hub, so the subscribers, sharing this machine's two cores, should cost little.
    const wsUrl = `${hub.url.replace('http', 'ws')}/graphql`;
    const connected: Array<Promise<void>> = [];
    const seen: number[] = [];
    const done = Array.from({ length: SUBSCRIBERS }, () => {
      const socket = new WebSocket(wsUrl, 'graphql-transport-ws');
      let ready: () => void = () => {};
      connected.push(new Promise<void>((resolve) => (ready = resolve)));
      return new Promise<void>((resolve, reject) => {
        socket.on('open', () => socket.send(JSON.stringify({ type: 'connection_init' })));
        socket.on('error', reject);
        socket.on('message', (data) => {
          const message = JSON.parse(String(data)) as {
            type: string;
            payload?: { data?: { runEvents: { seq: number; at: string } }; errors?: unknown };
          };
          if (message.type === 'connection_ack') {
            socket.send(
              JSON.stringify({
                id: '1',
                type: 'subscribe',
                payload: { query: subscription, variables: { runId } },
              }),
            );
            ready();
          } else if (message.type === 'next') {
            const at = Date.parse(message.payload!.data!.runEvents.at);
            if (process.env.DEBUG_FANOUT) seen.push(message.payload!.data!.runEvents.seq);
            if (at >= measureFrom) {
              deliveries += 1;
              latencies.push(Date.now() - at);
              lastAt = Math.max(lastAt, at);
              firstAt = Math.min(firstAt, at);
            }
          } else if (message.type === 'complete') {
            socket.close();
            resolve();
          } else if (message.type === 'error') {
            reject(new Error(JSON.stringify(message.payload)));
          }
        });
      });
    });
    await Promise.all(connected);
    measureFrom = Date.now();
    await Promise.all(done);
    if (process.env.DEBUG_FANOUT)
      console.log(
        'seen',
        seen.length,
        new Set(seen).size,
        Math.min(...seen),
        Math.max(...seen),
        deliveries,
      );
    // The rate over the run's own span of events, from its first to its last.
    const window = (lastAt - firstAt) / 1000;
    latencies.sort((a, b) => a - b);
    const at = (q: number) =>
      latencies[Math.min(latencies.length - 1, Math.floor(q * latencies.length))]!;
    return {
      name: `fan-out (${target.kind}, ${SUBSCRIBERS} graphql-ws subscribers, one run at ${RATE} events/s; ${
        target.url ? 'API and worker processes' : 'one hub process'
      })`,
      figures: {
        'deliveries per second': Math.round(deliveries / window).toLocaleString('en'),
        'deliveries measured': deliveries.toLocaleString('en'),
        'store-to-receive latency p50': `${at(0.5)} ms`,
        'store-to-receive latency p99': `${at(0.99)} ms`,
        'store-to-receive latency max': `${latencies.at(-1)} ms`,
      },
    };
  } finally {
    await worker?.stop();
    await hub.stop();
    rmSync(folder, { recursive: true, force: true });
  }
}
