// Printing a report to PDF, with stand-ins for Chromium that hang, fail or take their time:
// the hub must kill what overruns (and what it started), tidy up, and print two at a time.
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { PdfPrintError, PdfUnavailableError, printPdf } from '../src/resolvers/report/print-pdf.ts';
import { tempFolder } from './support/files.ts';

const temp = tempFolder();
afterAll(() => temp.remove());

/** An executable shell script standing in for Chromium; it sees the arguments Chromium would. */
function fakeChromium(name: string, body: string): string {
  const path = join(temp.path, name);
  writeFileSync(
    path,
    `#!/bin/sh\nfor a in "$@"; do case "$a" in --print-to-pdf=*) out="\${a#--print-to-pdf=}";; esac; done\n${body}\n`,
    { mode: 0o755 },
  );
  return path;
}

const alive = (pid: number) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

async function until(condition: () => boolean, what: string, timeoutMs = 10_000) {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting until ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

describe('printing a report to PDF', () => {
  it('refuses when there is no Chromium', async () => {
    const html = '<p>report</p>';
    await expect(printPdf(html, { chromium: null, timeoutMs: 1000 })).rejects.toThrow(
      PdfUnavailableError,
    );
    await expect(
      printPdf(html, { chromium: join(temp.path, 'absent'), timeoutMs: 1000 }),
    ).rejects.toThrow(PdfUnavailableError);
  });

  it('kills Chromium and every process it started when it overruns, and removes its files', async () => {
    const pids = join(temp.path, 'pids');
    const chromium = fakeChromium('hanging', `sleep 300 &\necho "$! $$ $out" > ${pids}\nsleep 300`);
    await expect(printPdf('<p>report</p>', { chromium, timeoutMs: 3000 })).rejects.toThrow(
      new PdfPrintError('Chromium did not print the report within 3 s'),
    );
    const [helper, browser, out] = readFileSync(pids, 'utf8').trim().split(' ');
    await until(() => !alive(Number(helper)) && !alive(Number(browser)), 'both are gone');
    expect(existsSync(dirname(out!))).toBe(false);
  }, 30_000);

  it('says what went wrong when Chromium fails', async () => {
    const chromium = fakeChromium(
      'failing',
      'echo "[0101/000000:ERROR:headless] cannot open display" >&2\nexit 3',
    );
    await expect(printPdf('<p>report</p>', { chromium, timeoutMs: 10_000 })).rejects.toThrow(
      'Chromium could not print the report (exit code 3): [0101/000000:ERROR:headless] cannot open display',
    );
  });

  it('prints two reports at a time and queues the rest', async () => {
    const log = join(temp.path, 'log');
    const chromium = fakeChromium(
      'slow',
      `echo start >> ${log}\nsleep 1\necho end >> ${log}\nprintf '%%PDF-1.4 stand-in' > "$out"`,
    );
    const printed = await Promise.all(
      [1, 2, 3].map(() => printPdf('<p>report</p>', { chromium, timeoutMs: 30_000 })),
    );
    expect(printed.map((pdf) => pdf.toString('latin1'))).toEqual(
      Array(3).fill('%PDF-1.4 stand-in'),
    );
    // The third started only when one of the first two had ended.
    expect(readFileSync(log, 'utf8').trim().split('\n').slice(0, 3)).toEqual([
      'start',
      'start',
      'end',
    ]);
  }, 30_000);

  it('leaves the queue, never starting Chromium, when its client goes away while it waits', async () => {
    const folder = join(temp.path, 'queue');
    mkdirSync(folder);
    const starts = join(folder, 'starts');
    // Each print waits until it takes a `release` (one print per file) or everything is `open`.
    const chromium = fakeChromium(
      'waiting',
      `echo start >> ${starts}\nuntil [ -f ${folder}/open ] || mv ${folder}/release ${folder}/taken.$$ 2>/dev/null; do sleep 0.05; done\nprintf '%%PDF-1.4 stand-in' > "$out"`,
    );
    const started = () =>
      existsSync(starts) ? readFileSync(starts, 'utf8').split('\n').length - 1 : 0;
    const print = (signal?: AbortSignal) =>
      printPdf('<p>report</p>', { chromium, timeoutMs: 60_000 }, signal);
    const holders = [print(), print()];
    await until(() => started() === 2, 'both slots are taken');

    const client = new AbortController();
    const queued = print(client.signal);
    const next = print();
    client.abort(new Error('the client went away'));
    await expect(queued).rejects.toThrow('the client went away');

    // One slot frees: the print queued after the abandoned one takes it at once.
    writeFileSync(join(folder, 'release'), '');
    await until(() => started() === 3, 'the next print has started');
    writeFileSync(join(folder, 'open'), '');
    const printed = await Promise.all([...holders, next]);
    expect(printed.map((pdf) => pdf.toString('latin1'))).toEqual(
      Array(3).fill('%PDF-1.4 stand-in'),
    );
    // The abandoned print never started Chromium.
    expect(started()).toBe(3);
  }, 60_000);

  it('kills Chromium and what it started when its client goes away while it prints', async () => {
    const pids = join(temp.path, 'printing-pids');
    const chromium = fakeChromium(
      'printing',
      `sleep 300 &\necho "$! $$ $out" > ${pids}\nsleep 300`,
    );
    const client = new AbortController();
    const printing = printPdf('<p>report</p>', { chromium, timeoutMs: 300_000 }, client.signal);
    await until(() => existsSync(pids) && readFileSync(pids, 'utf8').endsWith('\n'), 'it runs');
    client.abort(new Error('the client went away'));
    await expect(printing).rejects.toThrow('the client went away');
    const [helper, browser, out] = readFileSync(pids, 'utf8').trim().split(' ');
    await until(() => !alive(Number(helper)) && !alive(Number(browser)), 'both are gone');
    expect(existsSync(dirname(out!))).toBe(false);
  }, 30_000);
});
