// A report's HTML printed to PDF by headless Chromium, from a temporary file: the operator
// says where Chromium is (never a request), the process gets a time limit and is killed, with
// everything it started, when it overruns or its request is abandoned (a print waiting for
// its turn then leaves the queue), and the temporary files go in every case.
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';

export interface PdfPrinter {
  /** The Chromium executable; null when this hub has none. */
  chromium: string | null;
  timeoutMs: number;
}

/** This hub cannot print PDF: no Chromium is configured or installed. */
export class PdfUnavailableError extends Error {
  override name = 'PdfUnavailableError';
}

/** Chromium did not print: it failed, or overran its time. */
export class PdfPrintError extends Error {
  override name = 'PdfPrintError';
}

/** Printing costs a browser process; at most this many run at once, the rest wait their turn. */
const MAX_PRINTS = 2;
let printing = 0;
const waiting: Array<() => void> = [];

/** Waits for a turn to print; leaves the queue, without one, when `signal` aborts. */
async function takeTurn(signal: AbortSignal | undefined): Promise<void> {
  signal?.throwIfAborted();
  if (printing < MAX_PRINTS) {
    printing += 1;
    return;
  }
  // The turn is handed over by `endTurn`, so `printing` stays as it is.
  await new Promise<void>((resolve, reject) => {
    const turn = () => {
      signal?.removeEventListener('abort', leave);
      resolve();
    };
    const leave = () => {
      waiting.splice(waiting.indexOf(turn), 1);
      reject(signal?.reason);
    };
    waiting.push(turn);
    signal?.addEventListener('abort', leave, { once: true });
  });
}

function endTurn(): void {
  const next = waiting.shift();
  if (next) next();
  else printing -= 1;
}

/** Kills Chromium and every process it started (it leads its own process group). */
function killGroup(pid: number | undefined): void {
  if (pid === undefined) return;
  try {
    process.kill(-pid, 'SIGKILL');
  } catch {
    // Already gone.
  }
}

/** Prints `html`; when `signal` aborts (its client left), gives up with the signal's reason. */
export async function printPdf(
  html: string,
  printer: PdfPrinter,
  signal?: AbortSignal,
): Promise<Buffer> {
  if (!printer.chromium || !existsSync(printer.chromium)) {
    throw new PdfUnavailableError(
      'this hub cannot print PDF: no Chromium is installed or configured (EVALHUB_CHROMIUM); ' +
        'ask for the HTML report and print it from a browser',
    );
  }
  await takeTurn(signal);
  try {
    const folder = await mkdtemp(join(tmpdir(), 'evalhub-report-'));
    try {
      return await printInFolder(html, printer.chromium, printer.timeoutMs, folder, signal);
    } finally {
      await rm(folder, { recursive: true, force: true, maxRetries: 3 });
    }
  } finally {
    endTurn();
  }
}

async function printInFolder(
  html: string,
  chromium: string,
  timeoutMs: number,
  folder: string,
  signal: AbortSignal | undefined,
): Promise<Buffer> {
  const page = join(folder, 'report.html');
  const pdf = join(folder, 'report.pdf');
  await writeFile(page, html);
  signal?.throwIfAborted();
  const child = spawn(
    chromium,
    [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-background-networking',
      '--no-first-run',
      '--no-pdf-header-footer',
      `--user-data-dir=${join(folder, 'profile')}`,
      `--print-to-pdf=${pdf}`,
      pathToFileURL(page).href,
    ],
    { detached: true, stdio: ['ignore', 'ignore', 'pipe'] },
  );
  let stderr = '';
  child.stderr.on('data', (chunk: Buffer) => {
    // Only the end is kept: Chromium is chatty (D-Bus, GPU) before whatever went wrong.
    stderr = (stderr + chunk.toString('utf8')).slice(-4000);
  });
  let timedOut = false;
  const timer = setTimeout(() => {
    timedOut = true;
    killGroup(child.pid);
  }, timeoutMs);
  const abandon = () => killGroup(child.pid);
  signal?.addEventListener('abort', abandon, { once: true });
  const code = await new Promise<number | null>((resolve, reject) => {
    child.once('error', reject);
    // Not 'close': helpers that outlive the browser would hold its stderr open.
    child.once('exit', resolve);
  }).finally(() => {
    clearTimeout(timer);
    signal?.removeEventListener('abort', abandon);
    // Helpers Chromium left behind go with it.
    killGroup(child.pid);
  });
  signal?.throwIfAborted();
  if (timedOut)
    throw new PdfPrintError(`Chromium did not print the report within ${timeoutMs / 1000} s`);
  const bytes = await readFile(pdf).catch(() => null);
  if (code !== 0 || !bytes?.length) {
    const last = stderr
      .trim()
      .split('\n')
      .filter((line) => !/dbus|D-Bus/i.test(line))
      .at(-1);
    throw new PdfPrintError(
      `Chromium could not print the report (exit code ${code})${last ? `: ${last}` : ''}`,
    );
  }
  return bytes;
}
