// Source events of a subscription that are ready at once. A subscription's stream may yield
// a batch in place of single events: the transport (src/http/subscriptions.ts) executes each
// event of it as a source event of its own, as GraphQL says, and writes their results to the
// socket in one go, so that a subscriber costs one step per batch instead of one per event.
export class EventBatch<T> {
  readonly events: readonly T[];

  constructor(events: readonly T[]) {
    this.events = events;
  }
}

/** `batches`, each as one EventBatch (typed as its events: the transport unpacks it). */
export async function* inEventBatches<T>(batches: AsyncIterable<readonly T[]>): AsyncGenerator<T> {
  for await (const events of batches) yield new EventBatch(events) as unknown as T;
}
