// graphql-ws on a `ws` server, like graphql-ws's own `useServer`, but writing to sockets in
// batches. With a thousand watchers of one run, every event is a thousand WebSocket
// messages, and a write system call per message is most of what fan-out costs. Here a
// message is queued, and each socket's queue is written once per turn of the event loop,
// as one system call (the TCP socket is corked while its messages are framed).
import type { IncomingMessage } from 'node:http';
import type { Socket } from 'node:net';
import { CloseCode, handleProtocols, makeServer, type ServerOptions } from 'graphql-ws';
import type { WebSocket, WebSocketServer } from 'ws';
import { log } from '../logger.ts';
import type { Actor } from '../resolvers/core/actor.ts';

/** A socket with more than this much unsent makes its subscriptions wait. */
const HIGH_WATER_BYTES = 4 * 1024 * 1024;
/** Sockets are pinged this often, and dropped when a pong does not come back in as long. */
const KEEP_ALIVE_MS = 12_000;

export interface Extra {
  socket: WebSocket;
  request: IncomingMessage;
  /** Who the connection acts for, once its connection_init was accepted. */
  actor?: Actor;
}

/** Senders with messages waiting, all written in one pass at the end of this turn. */
const pending = new Set<BatchedSender>();
let flushScheduled = false;

function flushAll(): void {
  flushScheduled = false;
  const senders = [...pending];
  pending.clear();
  for (const sender of senders) sender.flush();
}

class BatchedSender {
  readonly #socket: WebSocket;
  #queue: string[] = [];

  constructor(socket: WebSocket) {
    this.#socket = socket;
  }

  send(data: string): Promise<void> {
    if (this.#socket.readyState !== this.#socket.OPEN) return Promise.resolve();
    this.#queue.push(data);
    pending.add(this);
    if (!flushScheduled) {
      flushScheduled = true;
      setImmediate(flushAll);
    }
    if (this.#socket.bufferedAmount < HIGH_WATER_BYTES) return Promise.resolve();
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

export function serveGraphQLWs(
  options: ServerOptions<Record<string, unknown>, Extra>,
  wsServer: WebSocketServer,
) {
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
    ...options,
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
        send: (data) => sender.send(data),
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
      { socket, request },
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
