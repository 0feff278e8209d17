// ELK's worker script, bundled by Vite as a worker of its own (the `?worker` import).
declare module 'elkjs/lib/elk-worker.min.js?worker' {
  const ElkWorker: new () => Worker;
  export default ElkWorker;
}
