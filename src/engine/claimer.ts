// The claiming of queued work by one process: one claim loop at a time, and a wake-up (a
// notification, a timer) that comes while one runs asks for one more pass after it, so that
// work queued mid-claim is never left waiting for the next timer.
export function claimer(
  loop: () => Promise<void>,
  stopped: () => boolean,
  onError: (error: Error) => void,
): () => void {
  let claiming = false;
  let again = false;
  const claim = (): void => {
    if (stopped()) return;
    if (claiming) {
      again = true;
      return;
    }
    claiming = true;
    loop()
      .catch((error) => onError(error as Error))
      .finally(() => {
        claiming = false;
        if (again) {
          again = false;
          claim();
        }
      });
  };
  return claim;
}
