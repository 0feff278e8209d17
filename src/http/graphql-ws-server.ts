// graphql-ws on a `ws` server, like graphql-ws's own `useServer`, but cheaper per socket.
// With a thousand watchers of one run, every event is a thousand WebSocket messages:
// - a result shared by many subscriptions (subscriptions.ts hands the same result object to
//   every subscriber of the same operation) is formatted and serialised once; each socket's
//   message is that text with its own subscription id spliced in;
// - a message is queued, and the queues are written once per turn of the event loop, each
//   socket's as one system call (its TCP socket corked while its messages are framed), in
//   slices that leave the event loop free for other work between them.
import type { IncomingMessage } from 'node:http';
import type { Socket } from 'node:net';
import type { ExecutionResult, FormattedExecutionResult } from 'graphql';
import { CloseCode, handleProtocols, makeServer, type ServerOptions } from 'graphql-ws';
import type { WebSocket, WebSocketServer } from 'ws';
import { log } from '../logger.ts';
import type { Actor } from '../resolvers/core/actor.ts';

/** A socket with more than this much unsent makes its subscriptions wait. */
const HIGH_WATER_BYTES = 4 * 1024 * 1024;
/** Sockets are pinged this often, and dropped when a pong does not come back in as long. */
const KEEP_ALIVE_MS = 12_000;
/** How long one slice of writing to sockets may hold the event loop. */
const FLUSH_SLICE_MS = 4;

export interface Extra {
  socket: WebSocket;
  sender: BatchedSender;
  request: IncomingMessage;
  /** Who the connection acts for, once its connection_init was accepted. */
  actor?: Actor;
}

/** Senders with messages waiting, all written in one pass at the end of this turn. */
const pending = new Set<BatchedSender>();
let flushScheduled = false;

/** Writes the waiting queues for a slice of time, and schedules the rest for the next turn. */
function flushAll(): void {
  const until = performance.now() + FLUSH_SLICE_MS;
  let written = 0;
  for (const sender of pending) {
    pending.delete(sender);
    sender.flush();
    // The clock is read every few sockets: reading it costs more than a small write.
    written += 1;
    if (written % 64 === 0 && performance.now() > until) break;
  }
  flushScheduled = pending.size > 0;
  if (flushScheduled) setImmediate(flushAll);
}

class BatchedSender {
  readonly #socket: WebSocket;
  #queue: string[] = [];

  constructor(socket: WebSocket) {
    this.#socket = socket;
  }

  /** Queues a message; resolves at once unless the socket has too much unsent. */
  send(data: string): Promise<void> | undefined {
    if (this.#socket.readyState !== this.#socket.OPEN) return undefined;
    this.#queue.push(data);
    pending.add(this);
    if (!flushScheduled) {
      flushScheduled = true;
      setImmediate(flushAll);
    }
    if (this.#socket.bufferedAmount < HIGH_WATER_BYTES) return undefined;
    // A slow client: its subscriptions wait for its socket to drain.
    return new Promise((resolve) => {
      const tcp = this.#tcp();
      if (!tcp) return resolve();
      const done = () => {
        tcp.off('drain', done);
        tcp.off('close', done);
        resolve();
      };
      tcp.on('drain', done);
      tcp.on('close', done);
    });
  }

  /** The TCP socket under the WebSocket (ws keeps it in a field of its own). */
  #tcp(): Socket | undefined {
    return (this.#socket as unknown as { _socket?: Socket })._socket;
  }

  flush(): void {
    const messages = this.#queue;
    this.#queue = [];
    if (this.#socket.readyState !== this.#socket.OPEN) return;
    const tcp = this.#tcp();
    tcp?.cork();
    for (const message of messages) this.#socket.send(message);
    tcp?.uncork();
  }
}

/**
 * What onNext returns once it has queued the `next` message itself: graphql-ws then
 * serialises this in its place, and `send` drops that message (it ends with WRITTEN_TAIL,
 * which no result ends with: a result's payload has `data` or `errors`).
 */
const WRITTEN = Object.freeze({ writtenByOnNext: true }) as FormattedExecutionResult;
const WRITTEN_TAIL = `,"type":"next","payload":${JSON.stringify(WRITTEN)}}`;

/**
 * Results of several source events handed to graphql-ws as one: onNext writes each as a
 * `next` message of its own, in order.
 */
export class ResultBatch {
  readonly results: readonly ExecutionResult[];

  constructor(results: readonly ExecutionResult[]) {
    this.results = results;
  }

  /** The batch where graphql-ws expects one result (only onNext looks inside). */
  asResult(): ExecutionResult {
    return this as unknown as ExecutionResult;
  }
}

export interface GraphQLWsOptions
  extends Omit<ServerOptions<Record<string, unknown>, Extra>, 'onNext'> {
  /**
   * What a client receives of a result (errors formatted). It must depend on the result
   * alone: its serialisation is shared by every subscription handed the same result.
   */
  formatResult: (result: ExecutionResult) => ExecutionResult;
}

export function serveGraphQLWs(options: GraphQLWsOptions, wsServer: WebSocketServer) {
  // A result's payload, serialised once for every subscription that receives that result.
  const payloads = new WeakMap<ExecutionResult, string>();
  const { formatResult, ...serverOptions } = options;
  // Connections by the token they act with (revoking it closes them) and by their OIDC
  // subject (changing the subject's memberships closes them, to reconnect with new roles).
  const byAccess = new Map<string, Set<WebSocket>>();
  const track = (key: string, socket: WebSocket) => {
    const sockets = byAccess.get(key) ?? new Set();
    sockets.add(socket);
    byAccess.set(key, sockets);
    socket.once('close', () => sockets.delete(socket));
  };
  const server = makeServer({
    ...serverOptions,
    onNext: (ctx, id, _payload, _args, result) => {
      const results = result instanceof ResultBatch ? result.results : [result];
      // The message graphql-ws would write (its keys in its order), this socket's id spliced in.
      const head = `{"id":${JSON.stringify(id)},"type":"next","payload":`;
      let drained: Promise<void> | undefined;
      for (const one of results) {
        let payload = payloads.get(one);
        if (payload === undefined) {
          payload = JSON.stringify(formatResult(one));
          payloads.set(one, payload);
        }
        drained = ctx.extra.sender.send(`${head}${payload}}`) ?? drained;
      }
      return drained ? drained.then(() => WRITTEN) : WRITTEN;
    },
    onConnect: async (ctx) => {
      const accepted = await options.onConnect?.(ctx);
      const { actor, socket } = ctx.extra;
      if (accepted === false || !actor) return accepted;
      if (actor.tokenId) track(actor.tokenId, socket);
      if (actor.kind === 'oidc') track(actor.id, socket);
      if (actor.expiresAt) {
        const expiry = setTimeout(
          () => socket.close(CloseCode.Unauthorized, 'the token expired'),
          Math.max(0, Math.min(Date.parse(actor.expiresAt) - Date.now(), 2 ** 31 - 1)),
        );
        socket.once('close', () => clearTimeout(expiry));
      }
      return accepted;
    },
  });
  wsServer.options.handleProtocols = handleProtocols;
  wsServer.on('connection', (socket, request) => {
    socket.once('error', (error) => {
      log.warn('a WebSocket failed', { error: error.message });
      socket.close(CloseCode.InternalServerError, 'Internal server error');
    });
    let pongWait: NodeJS.Timeout | null = null;
    const ping = setInterval(() => {
      if (socket.readyState !== socket.OPEN) return;
      pongWait = setTimeout(() => socket.terminate(), KEEP_ALIVE_MS);
      socket.once('pong', () => {
        if (pongWait) clearTimeout(pongWait);
        pongWait = null;
      });
      socket.ping();
    }, KEEP_ALIVE_MS);
    const sender = new BatchedSender(socket);
    const closed = server.opened(
      {
        protocol: socket.protocol,
        send: (data) => (data.endsWith(WRITTEN_TAIL) ? undefined : sender.send(data)),
        close: (code, reason) => socket.close(code, reason),
        onMessage: (handle) =>
          socket.on('message', async (data) => {
            try {
              await handle(String(data));
            } catch (error) {
              log.error('handling a WebSocket message failed', { error: (error as Error).stack });
              socket.close(CloseCode.InternalServerError, 'Internal server error');
            }
          }),
      },
      { socket, request, sender },
    );
    socket.once('close', (code, reason) => {
      if (pongWait) clearTimeout(pongWait);
      clearInterval(ping);
      void closed(code, String(reason));
    });
  });
  return {
    /**
     * Closes the connections whose access changed: those acting with a revoked token (4401,
     * for good), or as an OIDC subject whose memberships changed (4403: a client reconnects,
     * and acts with its new roles).
     */
    endSessionsOf(key: string) {
      const [code, reason] = key.startsWith('oidc:')
        ? [CloseCode.Forbidden, 'your roles changed: reconnect']
        : [CloseCode.Unauthorized, 'the token was revoked'];
      for (const socket of byAccess.get(key) ?? []) socket.close(code, reason);
      byAccess.delete(key);
    },
    dispose: async () => {
      for (const client of wsServer.clients) client.close(1001, 'Going away');
      wsServer.removeAllListeners();
      await new Promise<void>((resolve) => wsServer.close(() => resolve()));
    },
  };
}
