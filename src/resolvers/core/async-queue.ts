/**
 * A queue read as an async iterable: producers push values, or fail or end it; the reader
 * gets them in order. Returning early (the client unsubscribed) runs `onClose`.
 */
export class AsyncQueue<T> implements AsyncIterableIterator<T> {
  readonly #values: T[] = [];
  #waiting: ((result: IteratorResult<T>) => void) | null = null;
  #failWaiting: ((error: Error) => void) | null = null;
  #error: Error | null = null;
  #ended = false;
  readonly #onClose: () => void;

  constructor(onClose: () => void = () => {}) {
    this.#onClose = onClose;
  }

  push(value: T): void {
    if (this.#ended || this.#error) return;
    if (this.#waiting) {
      const resolve = this.#waiting;
      this.#waiting = this.#failWaiting = null;
      resolve({ value, done: false });
    } else {
      this.#values.push(value);
    }
  }

  fail(error: Error): void {
    if (this.#ended || this.#error) return;
    this.#error = error;
    this.#failWaiting?.(error);
    this.#waiting = this.#failWaiting = null;
  }

  next(): Promise<IteratorResult<T>> {
    if (this.#values.length) return Promise.resolve({ value: this.#values.shift()!, done: false });
    if (this.#error) {
      const error = this.#error;
      this.#close();
      return Promise.reject(error);
    }
    if (this.#ended) return Promise.resolve({ value: undefined, done: true });
    return new Promise((resolve, reject) => {
      this.#waiting = resolve;
      this.#failWaiting = reject;
    });
  }

  return(): Promise<IteratorResult<T>> {
    this.#close();
    this.#waiting?.({ value: undefined, done: true });
    this.#waiting = this.#failWaiting = null;
    return Promise.resolve({ value: undefined, done: true });
  }

  #close(): void {
    if (this.#ended) return;
    this.#ended = true;
    this.#values.length = 0;
    this.#onClose();
  }

  [Symbol.asyncIterator](): AsyncIterableIterator<T> {
    return this;
  }
}
