// The floor under any request over HTTP on this machine: a hello-world node:http server in
// this process, answering what a hub answers to `{ __typename }`, reached by the client the
// benches post to a hub with (post-json.ts). Measured in the same run as a hub, it splits a
// hub's time into what HTTP itself costs and what the hub adds.
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { postJson } from './post-json.ts';

const ANSWER = JSON.stringify({ data: { __typename: 'Query' } });
const QUESTION = JSON.stringify({ query: '{ __typename }' });

export interface BareHttp {
  /** Posts a small JSON body and reads the small JSON answer. */
  roundTrip(): Promise<unknown>;
  close(): Promise<void>;
}

export async function startBareHttp(): Promise<BareHttp> {
  const server = createServer((req, res) => {
    // The body is read to its end, as a hub reads it, before the answer is written.
    req.resume();
    req.once('end', () => {
      res.writeHead(200, { 'content-type': 'application/json; charset=utf-8' }).end(ANSWER);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  const url = `http://127.0.0.1:${port}/`;
  return {
    roundTrip: () => postJson(url, QUESTION),
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.closeAllConnections();
        server.close((error) => (error ? reject(error) : resolve()));
      }),
  };
}
