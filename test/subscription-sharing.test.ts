// Subscribers of one run share its events, their execution and their serialisation
// (src/http/subscriptions.ts, graphql-ws-server.ts): what is shared must never cross from
// one caller to another who may see less, and each socket must still get messages in
// graphql-ws's exact form with its own subscription ids.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { graphql } from './gql/index.ts';
import { memberOf, startTestHub, type TestHub } from './support/hub.ts';
import { expectType } from './support/registry-documents.ts';
import { subscriptionClient } from './support/ws.ts';

const OpenRun = graphql(`
  mutation OpenSharedRun($input: OpenExternalRunInput!) {
    openExternalRun(input: $input) {
      __typename
      ... on RunPayload { run { id } }
    }
  }
`);

const Append = graphql(`
  mutation AppendSharedRunEvents($input: AppendExternalRunEventsInput!) {
    appendExternalRunEvents(input: $input) {
      __typename
      ... on AppendExternalRunEventsPayload { nextSeq }
    }
  }
`);

const Finish = graphql(`
  mutation FinishSharedRun($input: FinishExternalRunInput!) {
    finishExternalRun(input: $input) { __typename }
  }
`);

// Project.members is a maintainer's: null for anyone else who may see the project.
const WatchFindings = graphql(`
  subscription WatchFindings($runId: ID!) {
    runEvents(runId: $runId) {
      seq
      ... on RunFindingEvent {
        finding { title run { project { slug members { role } } } }
      }
    }
  }
`);

let t: TestHub;

beforeAll(async () => {
  t = await startTestHub();
});

afterAll(() => t.close());

async function openRun(project: string): Promise<string> {
  const { data } = await t.graphql(OpenRun, {
    input: { project, runner: 'notebook', runnerVersion: '1' },
  });
  return expectType(data.openExternalRun, 'RunPayload').run.id;
}

async function append(run: string, firstSeq: number, events: unknown[]): Promise<void> {
  const { data } = await t.graphql(Append, { input: { run, firstSeq, events } });
  expect(data.appendExternalRunEvents.__typename).toBe('AppendExternalRunEventsPayload');
}

async function finish(run: string, eventCount: number): Promise<void> {
  const { data } = await t.graphql(Finish, {
    input: { run, status: 'SUCCEEDED', eventCount },
  });
  expect(data.finishExternalRun.__typename).toBe('RunPayload');
}

describe('subscribers sharing one run', () => {
  it('each get only what they may see, with the same operation', async () => {
    const runId = await openRun('shared');
    const callers = {
      maintainer: memberOf('token:mia', ['shared'], 'maintainer'),
      viewer: memberOf('token:vic', ['shared'], 'viewer'),
      otherViewer: memberOf('token:val', ['shared'], 'viewer'),
    };
    const clients = Object.fromEntries(
      Object.entries(callers).map(([name, actor]) => [name, subscriptionClient(t.hub.url, actor)]),
    );
    const streams = Object.fromEntries(
      Object.entries(clients).map(([name, ws]) => [name, ws.iterate(WatchFindings, { runId })]),
    );
    // Everyone has the stored history (QUEUED, RUNNING) and waits on the live feed: the
    // finding appended next reaches all of them as one event object.
    for (const stream of Object.values(streams)) {
      expect((await stream.next()).value?.data?.runEvents.seq).toBe(1);
      expect((await stream.next()).value?.data?.runEvents.seq).toBe(2);
    }
    await append(runId, 1, [{ type: 'finding', kind: 'drift', severity: 'HIGH', title: 'Drift' }]);
    const finding = async (name: string) => {
      const { value } = await streams[name]!.next();
      expect(value?.errors).toBeUndefined();
      return value!.data!.runEvents;
    };
    const seen = {
      maintainer: await finding('maintainer'),
      viewer: await finding('viewer'),
      otherViewer: await finding('otherViewer'),
    };
    const project = (event: (typeof seen)['viewer']) =>
      'finding' in event ? event.finding.run.project : undefined;
    expect(project(seen.maintainer)).toEqual({ slug: 'shared', members: [] });
    expect(project(seen.viewer)).toEqual({ slug: 'shared', members: null });
    expect(seen.otherViewer).toEqual(seen.viewer);

    // Someone outside the project is refused the run, whoever else watches it.
    const outsider = subscriptionClient(t.hub.url, memberOf('token:oz', ['elsewhere'], 'viewer'));
    const refused = await outsider.iterate(WatchFindings, { runId }).next();
    expect(refused.value?.errors?.[0]?.message).toContain('not visible to you');
    await finish(runId, 1);
    for (const ws of [...Object.values(clients), outsider]) await ws.close();
  });

  it('writes each socket its own subscription ids, in graphql-ws messages', async () => {
    const runId = await openRun('ids');
    const query = 'subscription Seqs($runId: ID!) { runEvents(runId: $runId) { seq } }';
    // Ids as clients choose them, some needing escapes in JSON.
    const idsOf = (socket: number) => [`${socket}`, `s${socket}-"quoted"\\\u2028`];
    const sockets = Array.from({ length: 30 }, (_, socket) => {
      const ws = new WebSocket(
        `${t.hub.url.replace('http', 'ws')}/graphql`,
        'graphql-transport-ws',
      );
      const raw: string[] = [];
      const completed = new Set<string>();
      let reachedRunning = 0;
      let onRunning: () => void = () => {};
      const running = new Promise<void>((resolve) => (onRunning = resolve));
      let onComplete: () => void = () => {};
      const complete = new Promise<void>((resolve) => (onComplete = resolve));
      ws.on('open', () => ws.send(JSON.stringify({ type: 'connection_init' })));
      ws.on('message', (data) => {
        const text = String(data);
        const message = JSON.parse(text) as {
          id?: string;
          type: string;
          payload?: { data: { runEvents: { seq: number } } };
        };
        if (message.type === 'connection_ack') {
          for (const id of idsOf(socket))
            ws.send(
              JSON.stringify({ id, type: 'subscribe', payload: { query, variables: { runId } } }),
            );
          return;
        }
        raw.push(text);
        if (message.type === 'next' && message.payload!.data.runEvents.seq === 2) {
          reachedRunning += 1;
          if (reachedRunning === 2) onRunning();
        }
        if (message.type === 'complete') {
          completed.add(message.id!);
          if (completed.size === 2) onComplete();
        }
      });
      return { ws, raw, running, complete };
    });
    await Promise.all(sockets.map((socket) => socket.running));
    // Live events, each shared by the sixty subscriptions.
    await append(
      runId,
      1,
      Array.from({ length: 5 }, (_, i) => ({ type: 'log', level: 'info', message: `${i}` })),
    );
    await finish(runId, 5);
    await Promise.all(sockets.map((socket) => socket.complete));
    for (const [index, socket] of sockets.entries()) {
      socket.ws.close();
      for (const id of idsOf(index)) {
        // The exact messages graphql-ws writes: its keys, in its order, this socket's id.
        const expected = [
          ...Array.from({ length: 8 }, (_, i) =>
            JSON.stringify({ id, type: 'next', payload: { data: { runEvents: { seq: i + 1 } } } }),
          ),
          JSON.stringify({ id, type: 'complete' }),
        ];
        expect(socket.raw.filter((text) => (JSON.parse(text) as { id: string }).id === id)).toEqual(
          expected,
        );
      }
      expect(socket.raw).toHaveLength(18);
    }
  });
});
