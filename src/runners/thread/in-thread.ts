// Computing runners run in a worker thread of their own, so that decoding images, running
// models (onnxruntime's session.run holds the thread that calls it) and resampling keep
// off the event loop that answers the API. A thread runs one run at a time and waits,
// idle, for the next: it keeps its loaded modules, and is ended when its run is stopped.
import { MessageChannel, Worker } from 'node:worker_threads';
import type { RunContext, RunnerModule } from '../contract.ts';
import type { Reply, RunRequest, ThreadMessage } from './messages.ts';

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

/** Runs `ctx` with the computing runner `runnerId` in a thread; settles as the run would. */
function runInThread(runnerId: string, ctx: RunContext<unknown>): Promise<void> {
  ctx.signal.throwIfAborted();
  const thread = takeThread();
  const { port1: port, port2 } = new MessageChannel();
  return new Promise<void>((resolve, reject) => {
    let settled = false;
    const settle = (error: Error | null) => {
      if (settled) return;
      settled = true;
      ctx.signal.removeEventListener('abort', stop);
      thread.off('error', crashed);
      thread.off('exit', exited);
      port.close();
      if (error) {
        thread.terminate();
        reject(error);
      } else {
        giveBack(thread);
        resolve();
      }
    };
    const stop = () => settle(ctx.signal.reason as Error);
    const crashed = (error: Error) => settle(error);
    const exited = (code: number) =>
      settle(new Error(`the runner's thread stopped (exit code ${code})`));
    ctx.signal.addEventListener('abort', stop, { once: true });
    thread.on('error', crashed);
    thread.on('exit', exited);
    const reply = (message: Reply) => {
      if (!settled) port.postMessage(message);
    };
    port.on('message', (message: ThreadMessage) => {
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
        } else if (message.type === 'done') settle(null);
        else settle(new Error(message.error.message));
      } catch (error) {
        // What the runner emitted was refused (say, a metric that is not a number).
        settle(error as Error);
      }
    });
    const request: RunRequest = {
      type: 'run',
      runnerId,
      runId: ctx.runId,
      inputs: ctx.inputs,
      config: ctx.config,
      seed: ctx.seed,
      workDir: ctx.workDir,
      port: port2,
    };
    thread.postMessage(request, [port2]);
  });
}

/** `runner`, run in a thread: it must be one of the computing runners. */
export function inThread<Runner extends RunnerModule>(runner: Runner): Runner {
  return { ...runner, run: (ctx: RunContext<unknown>) => runInThread(runner.id, ctx) };
}
