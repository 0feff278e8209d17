// Runs one program for the command runner and ties its life to the worker's. The worker
// starts this script as the leader of a new process group, which the program joins, and
// holds the other end of a pipe on fd 3: when the worker dies, even by SIGKILL, the pipe
// closes and the whole group (the program and everything it started) is killed at once.
// A worker that freezes keeps the pipe open, so it also writes on it, after each renewal of
// its lease, how many milliseconds the lease holds (a line of digits): when that runs out
// with no newer line, the group is killed too, before the run can be given to another worker.
// Usage: node command-supervisor.ts <program> [args...]
import { spawn } from 'node:child_process';
import { Socket } from 'node:net';

const [program, ...args] = process.argv.slice(2);

const killGroup = () => {
  try {
    process.kill(-process.pid, 'SIGKILL');
  } catch {
    process.exit(137);
  }
};
const lifeline = new Socket({ fd: 3, readable: true, writable: false });
let leaseEnds: NodeJS.Timeout | undefined;
let told = '';
lifeline.on('data', (chunk: Buffer) => {
  const lines = (told + chunk.toString('latin1')).split('\n');
  told = lines.pop()!.slice(-32);
  const last = lines.at(-1);
  if (last !== undefined && /^\d{1,9}$/.test(last)) {
    clearTimeout(leaseEnds);
    leaseEnds = setTimeout(killGroup, Number(last));
  }
});
lifeline.on('end', killGroup);
lifeline.on('close', killGroup);
lifeline.on('error', killGroup);

// SIGTERM reaches the whole group; the program decides what to do with it, and this script
// reports how the program ended.
const ignore = () => {};
process.on('SIGTERM', ignore);
process.on('SIGINT', ignore);

// The program's environment, as the runner built it (see PROGRAM_ENV in command.ts).
const env = JSON.parse(process.env.EVALHUB_PROGRAM_ENV ?? '{}') as Record<string, string>;
const child = spawn(program!, args, { stdio: 'inherit', env });
child.on('error', (error) => {
  process.stderr.write(`${program}: ${error.message}\n`);
  process.exit(127);
});
child.on('exit', (code, signal) => {
  clearTimeout(leaseEnds);
  lifeline.removeAllListeners();
  lifeline.destroy();
  if (signal) {
    process.off('SIGTERM', ignore);
    process.off('SIGINT', ignore);
    process.kill(process.pid, signal);
  } else process.exit(code ?? 1);
});
