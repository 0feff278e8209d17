// The error a runner throws for a problem with its inputs or config (not a bug). Its own
// file, so that the statistics of stats/ can throw it and still import nothing else.

/** The error a runner throws for a problem with its inputs or config (not a bug). */
export class RunnerInputError extends Error {
  override name = 'RunnerInputError';
}
