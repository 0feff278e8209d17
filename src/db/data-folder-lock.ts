// One process per embedded data folder: PGlite corrupts a folder two processes open. The
// lock is a file beside the data naming its holder (PID and process start time); it is
// created atomically, and a lock whose holder is gone (killed with SIGKILL, say) is stale
// and taken over.
import { linkSync, readFileSync, renameSync, unlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

/** A refusal the command line prints as one line, without a stack. */
export class DataFolderError extends Error {
  override name = 'DataFolderError';
}

interface Holder {
  pid: number;
  /** When the process started (its /proc start tick where there is one): tells PIDs reused. */
  started: string;
}

export interface DataFolderLock {
  release(): void;
}

const LOCK_FILE = 'evalhub.lock';

/** The start time of a live process, or null when there is no such process. */
function startOf(pid: number): string | null {
  try {
    process.kill(pid, 0);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ESRCH') return null;
  }
  try {
    // Field 22 of /proc/PID/stat, after the parenthesised command name (which may hold spaces).
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2).split(' ')[19] ?? '';
  } catch {
    return ''; // alive, start time unknown (no /proc): trust the PID
  }
}

function readHolder(path: string): Holder | null {
  try {
    const holder = JSON.parse(readFileSync(path, 'utf8')) as Holder;
    return Number.isInteger(holder.pid) ? holder : null;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return null;
    return { pid: 0, started: '' }; // unreadable: written by nobody alive to finish it
  }
}

function isAlive(holder: Holder): boolean {
  if (holder.pid <= 0) return false;
  const started = startOf(holder.pid);
  return (
    started !== null && (started === '' || holder.started === '' || started === holder.started)
  );
}

/**
 * Takes the folder for this process, or throws a DataFolderError naming the PID that holds
 * it. The caller releases the lock when it closes the database (and it goes with the process).
 */
export function lockDataFolder(dataDir: string): DataFolderLock {
  const path = join(dataDir, LOCK_FILE);
  const mine: Holder = { pid: process.pid, started: startOf(process.pid) ?? '' };
  const content = JSON.stringify(mine);
  // Written whole under a private name, then linked into place: link fails if the lock exists.
  const draft = `${path}.${process.pid}`;
  writeFileSync(draft, content);
  try {
    for (let attempt = 0; attempt < 5; attempt++) {
      try {
        linkSync(draft, path);
        return { release: () => releaseIfMine(path, content) };
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
      }
      const holder = readHolder(path);
      if (holder && isAlive(holder))
        throw new DataFolderError(
          `the data folder ${dataDir} is in use by process ${holder.pid}; stop it first, or set EVALHUB_DATA_DIR to another folder`,
        );
      if (holder) takeOverStale(path, holder);
    }
    throw new DataFolderError(`could not lock the data folder ${dataDir}: others keep taking it`);
  } finally {
    unlinkSync(draft);
  }
}

/**
 * Moves a stale lock aside under a private name, and checks it is the one found stale: a
 * process that took the lock in between gets its lock back.
 */
function takeOverStale(path: string, stale: Holder): void {
  const aside = `${path}.stale.${process.pid}`;
  try {
    renameSync(path, aside);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return; // someone else moved it
    throw error;
  }
  const moved = readHolder(aside);
  if (moved && (moved.pid !== stale.pid || moved.started !== stale.started)) {
    try {
      linkSync(aside, path);
    } catch {
      // a third process holds the lock now; the one moved aside lost it to that process
    }
  }
  unlinkSync(aside);
}

function releaseIfMine(path: string, content: string): void {
  try {
    if (readFileSync(path, 'utf8') === content) unlinkSync(path);
  } catch {
    // already gone
  }
}
