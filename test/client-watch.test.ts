// The client's watch across a dropped connection: it subscribes again from the last cursor it
// received, so the events arrive once each, in order, with none missing.
import { createServer, type Server, type Socket, connect as tcpConnect } from 'node:net';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { connect, type RunEvent } from '../src/client/index.ts';
import { decodeGlobalId } from '../src/resolvers/core/global-id.ts';
import { appendRunEvents, type NewRunEvent } from '../src/resolvers/runs/events.ts';
import { startTestHub, type TestHub } from './support/hub.ts';
import { expectType } from './support/registry-documents.ts';
import { CancelRun } from './support/run-documents.ts';

let t: TestHub;

/** A TCP proxy in front of the hub whose connections the test can cut, as a network would. */
interface Proxy {
  url: string;
  connections: number;
  cut(): void;
  close(): Promise<void>;
}

async function startProxy(target: URL): Promise<Proxy> {
  const open = new Set<Socket>();
  const proxy: Proxy = {
    url: '',
    connections: 0,
    cut: () => {
      for (const socket of open) socket.destroy();
    },
    close: () => new Promise((done) => server.close(() => done())),
  };
  const server: Server = createServer((client) => {
    proxy.connections += 1;
    const upstream = tcpConnect(Number(target.port), target.hostname);
    for (const socket of [client, upstream]) {
      open.add(socket);
      socket.on('close', () => open.delete(socket));
      socket.on('error', () => {});
    }
    client.pipe(upstream).pipe(client);
    client.on('close', () => upstream.destroy());
    upstream.on('close', () => client.destroy());
  });
  await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
  const address = server.address() as { port: number };
  proxy.url = `http://127.0.0.1:${address.port}`;
  return proxy;
}

beforeAll(async () => {
  // No workers: the test writes the run's events itself, as a worker would.
  t = await startTestHub({ config: { workers: 0 } });
});

afterAll(() => t.close());

const log = (message: string): NewRunEvent => ({ type: 'log', level: 'info', message });

/** Resolves once `check` holds, checking after each event the watch receives. */
function when(received: RunEvent[], check: (events: RunEvent[]) => boolean): Promise<void> {
  return new Promise((done) => {
    const poll = () => (check(received) ? done() : setTimeout(poll, 10));
    poll();
  });
}

it('resumes after a dropped connection with no gap and no duplicate', async () => {
  const proxy = await startProxy(new URL(t.hub.url));
  const client = connect({ url: proxy.url });
  const run = await client.startRun({ runner: 'event-generator', project: 'watching' });
  const runId = decodeGlobalId(run.id)!.id;
  const append = (events: NewRunEvent[]) =>
    t.database.db.transaction((tx) => appendRunEvents(tx, runId, events, null));

  const received: RunEvent[] = [];
  const watching = (async () => {
    for await (const event of client.watch(run.id)) received.push(event);
  })();
  await append([log('a'), log('b')]);
  await when(received, (events) => events.some((e) => 'message' in e && e.message === 'b'));
  const connectionsBefore = proxy.connections;
  proxy.cut();
  // Written while the watch is cut off: it must get them when it subscribes again.
  await append([log('c'), log('d')]);
  const cancelled = await t.graphql(CancelRun, { id: run.id });
  expectType(cancelled.data.cancelRun, 'RunPayload');
  await watching;

  expect(proxy.connections).toBeGreaterThan(connectionsBefore);
  expect(received.map((e) => e.seq)).toEqual(received.map((_e, i) => i + 1));
  expect(
    received.filter((e) => e.__typename === 'RunLogEvent').map((e) => 'message' in e && e.message),
  ).toEqual(['a', 'b', 'c', 'd']);
  expect(received.at(-1)).toMatchObject({ __typename: 'RunStatusEvent', status: 'CANCELLED' });
  await proxy.close();
});
