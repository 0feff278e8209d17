// Long computations in a runner share the event loop with the run's lease renewal and its
// cancellation: they take turns.

/** How long a computation runs before it lets other work (timers, I/O) run. */
export const TURN_MS = 50;

/**
 * A function to await in each step of a long loop: every TURN_MS it lets the event loop run,
 * so minutes of computation neither starve the lease renewal nor miss a cancellation
 * (`signal`), which it checks at every step.
 */
export function turnTaker(signal?: AbortSignal): () => Promise<void> {
  let turn = performance.now();
  return async () => {
    if (performance.now() - turn > TURN_MS) {
      await new Promise((resolve) => setImmediate(resolve));
      turn = performance.now();
    }
    signal?.throwIfAborted();
  };
}
