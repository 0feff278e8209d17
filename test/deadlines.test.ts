// Requests have deadlines: one still unanswered at its deadline gets a 504, one whose client
// left is abandoned (its signal aborts, and hashing content for it stops), and on PostgreSQL a runaway statement is ended by
// statement_timeout.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { sql } from 'drizzle-orm';
import { afterEach, describe, expect, it } from 'vitest';
import { loadConfig } from '../src/config.ts';
import { openDatabase } from '../src/db/connect.ts';
import { requestDeadline } from '../src/http/deadline.ts';
import { digestMeasured, measureContent } from '../src/resolvers/content/digest.ts';
import { openTestDatabase } from './support/database.ts';
import { tempFolder, writeTree } from './support/files.ts';

let server: Server | undefined;
afterEach(async () => {
  server?.closeAllConnections();
  await new Promise((resolve) => server?.close(resolve) ?? resolve(undefined));
  server = undefined;
});

/** A server whose handler takes a deadline and never answers; `signals` yields each one. */
async function silentServer(timeoutMs: number) {
  const signals: AbortSignal[] = [];
  let received: () => void = () => {};
  const arrived = new Promise<void>((resolve) => {
    received = resolve;
  });
  server = createServer((_req, res) => {
    signals.push(requestDeadline(res, timeoutMs));
    received();
  });
  await new Promise<void>((resolve) => server!.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
  return { url, signals, arrived };
}

const aborted = (signal: AbortSignal) =>
  new Promise<unknown>((resolve) => {
    if (signal.aborted) resolve(signal.reason);
    else signal.addEventListener('abort', () => resolve(signal.reason), { once: true });
  });

describe('request deadlines', () => {
  it('answers 504 to a request still unanswered at its deadline, and aborts its work', async () => {
    const { url, signals } = await silentServer(50);
    const response = await fetch(url);
    expect(response.status).toBe(504);
    expect(await response.json()).toEqual({ error: 'the request took too long and was stopped' });
    expect(String(await aborted(signals[0]!))).toMatch(/EVALHUB_REQUEST_TIMEOUT_MS/);
  });

  it('aborts the work of a request whose client went away', async () => {
    const { url, signals, arrived } = await silentServer(3_600_000);
    const client = new AbortController();
    const request = fetch(url, { signal: client.signal }).catch(() => 'gone');
    await arrived;
    client.abort();
    expect(await request).toBe('gone');
    expect(String(await aborted(signals[0]!))).toMatch(/client went away/);
  });

  it('lets an answer under way finish past the deadline', async () => {
    let finish: () => void = () => {};
    const started = new Promise<void>((resolve) => {
      finish = resolve;
    });
    const signals: AbortSignal[] = [];
    server = createServer((_req, res) => {
      signals.push(requestDeadline(res, 50));
      res.write('first ');
      // Ends once the client has read the first part, and the deadline has passed.
      setTimeout(() => started.then(() => res.end('last')), 100);
    });
    await new Promise<void>((resolve) => server!.listen(0, '127.0.0.1', resolve));
    const response = await fetch(`http://127.0.0.1:${(server.address() as AddressInfo).port}/`);
    finish();
    expect(response.status).toBe(200);
    expect(await response.text()).toBe('first last');
    expect(signals[0]!.aborted).toBe(false);
  });

  it('does not abort a request answered in time', async () => {
    const signals: AbortSignal[] = [];
    server = createServer((_req, res) => {
      signals.push(requestDeadline(res, 3_600_000));
      res.end('ok');
    });
    await new Promise<void>((resolve) => server!.listen(0, '127.0.0.1', resolve));
    const response = await fetch(`http://127.0.0.1:${(server.address() as AddressInfo).port}/`);
    expect(await response.text()).toBe('ok');
    expect(signals[0]!.aborted).toBe(false);
  });

  it("stops hashing content when its request's signal aborts", async () => {
    const files = tempFolder();
    try {
      writeTree(files.path, { 'big.bin': Buffer.alloc(8 * 1024 * 1024, 7), 'tree/a': 'a' });
      const measured = await measureContent(`${files.path}/big.bin`);
      const request = new AbortController();
      let hashed = 0;
      const hashing = digestMeasured(
        `${files.path}/big.bin`,
        measured,
        (done) => {
          hashed = done;
          request.abort(new Error('the client went away'));
        },
        request.signal,
      );
      await expect(hashing).rejects.toThrow('the client went away');
      expect(hashed).toBeLessThan(measured.sizeBytes);
      // A folder walk stops too, before it lists anything.
      await expect(
        measureContent(`${files.path}/tree`, { signal: request.signal }),
      ).rejects.toThrow('the client went away');
    } finally {
      files.remove();
    }
  });

  it('reads EVALHUB_REQUEST_TIMEOUT_MS, 30 s unless said', () => {
    expect(loadConfig({}).requestTimeoutMs).toBe(30_000);
    expect(loadConfig({ EVALHUB_REQUEST_TIMEOUT_MS: '5000' }).requestTimeoutMs).toBe(5000);
    expect(() => loadConfig({ EVALHUB_REQUEST_TIMEOUT_MS: 'soon' })).toThrow(
      /EVALHUB_REQUEST_TIMEOUT_MS/,
    );
  });

  it.skipIf(!process.env.DATABASE_URL)(
    'ends a runaway statement on PostgreSQL with statement_timeout',
    async () => {
      const test = await openTestDatabase();
      const database = await openDatabase({
        url: test.url,
        dataDir: 'memory://',
        statementTimeoutMs: 100,
      });
      try {
        const error = await database.db.execute(sql`select pg_sleep(3600)`).then(
          () => null,
          (e: Error & { cause?: { code?: string } }) => e,
        );
        expect(error?.cause?.code ?? (error as { code?: string } | null)?.code).toBe('57014');
      } finally {
        await database.close();
        await test.close();
      }
    },
  );
});
