// Computing runners run in a worker thread of their own, so that decoding images, running
// models (onnxruntime's session.run holds the thread that calls it) and resampling keep
// off the event loop that answers the API. A thread runs one run (or one other request,
// such as reading a model's signature) at a time and waits, idle, for the next: it keeps
// its loaded modules, and is ended when its run is stopped.
import { MessageChannel, type MessagePort, Worker } from 'node:worker_threads';
import type { RunContext, RunnerModule } from '../contract.ts';
import type { Reply, RunRequest, ThreadMessage, ThreadRequest } from './messages.ts';

/** The thread's entry, beside this file, whether it is TypeScript or compiled. */
const entry = new URL(`./thread-main${import.meta.url.slice(-3)}`, import.meta.url);

const idle: Worker[] = [];

function takeThread(): Worker {
  const thread = idle.pop() ?? new Worker(entry);
  thread.ref();
  return thread;
}

function giveBack(thread: Worker): void {
  thread.unref();
  idle.push(thread);
}

/** How a conversation with a thread ends: with a value, or an error (the thread is ended then). */
export type Settle<T> = (outcome: { value: T } | { error: Error }) => void;

/**
 * Hands `request` (built around a fresh port) to an idle thread, and passes each message the
 * thread sends on that port to `hear` (which may `reply` on it) until it settles. Aborting `signal` ends the thread.
 */
export function converse<T, Message>(
  request: (port: MessagePort) => ThreadRequest,
  signal: AbortSignal | undefined,
  hear: (message: Message, settle: Settle<T>, reply: (answer: unknown) => void) => void,
): Promise<T> {
  signal?.throwIfAborted();
  const thread = takeThread();
  const { port1: port, port2 } = new MessageChannel();
  return new Promise<T>((resolve, reject) => {
    let settled = false;
    const settle: Settle<T> = (outcome) => {
      if (settled) return;
      settled = true;
      signal?.removeEventListener('abort', stop);
      thread.off('error', crashed);
      thread.off('exit', exited);
      port.close();
      if ('error' in outcome) {
        thread.terminate();
        reject(outcome.error);
      } else {
        giveBack(thread);
        resolve(outcome.value);
      }
    };
    const stop = () => settle({ error: signal!.reason as Error });
    const crashed = (error: Error) => settle({ error });
    const exited = (code: number) =>
      settle({ error: new Error(`the runner's thread stopped (exit code ${code})`) });
    signal?.addEventListener('abort', stop, { once: true });
    thread.on('error', crashed);
    thread.on('exit', exited);
    const reply = (answer: unknown) => {
      if (!settled) port.postMessage(answer);
    };
    port.on('message', (message: Message) => {
      if (!settled) hear(message, settle, reply);
    });
    thread.postMessage(request(port2), [port2]);
  });
}

/** Runs `ctx` with the computing runner `runnerId` in a thread; settles as the run would. */
function runInThread(runnerId: string, ctx: RunContext<unknown>): Promise<void> {
  return converse<undefined, ThreadMessage>(
    (port): RunRequest => ({
      type: 'run',
      runnerId,
      runId: ctx.runId,
      inputs: ctx.inputs,
      config: ctx.config,
      seed: ctx.seed,
      workDir: ctx.workDir,
      port,
    }),
    ctx.signal,
    (message, settle, reply: (answer: Reply) => void) => {
      try {
        if (message.type === 'emit') {
          (ctx.emit[message.method] as (...args: unknown[]) => void)(...message.args);
        } else if (message.type === 'call') {
          const call = ctx.emit[message.method] as (...args: unknown[]) => Promise<unknown>;
          call(...message.args).then(
            (value) => reply({ type: 'reply', id: message.id, value }),
            (error: Error) =>
              reply({ type: 'reply', id: message.id, error: { message: error.message } }),
          );
        } else if (message.type === 'done') settle({ value: undefined });
        else settle({ error: new Error(message.error.message) });
      } catch (error) {
        // What the runner emitted was refused (say, a metric that is not a number).
        settle({ error: error as Error });
      }
    },
  );
}

/** `runner`, run in a thread: it must be one of the computing runners. */
export function inThread<Runner extends RunnerModule>(runner: Runner): Runner {
  return { ...runner, run: (ctx: RunContext<unknown>) => runInThread(runner.id, ctx) };
}
