/**
 * The windowed pacer of the connection and thing benches: send until a window of messages is in
 * flight, wait for completions to free half of it, repeat for a fixed time.
 *
 * @module
 */

/** Completions a bench counts; `add()` wakes the pacer waiting on them. */
export class Completions {
  /** Completions so far. */
  n = 0;
  /** Set by `paced()` while it waits. */
  wake: (() => void) | undefined;

  /** Counts one completion. */
  add(): void {
    this.n++;
    this.wake?.();
  }
}

/**
 * Calls `sendOne` for `runMs` keeping at most `window` sends in flight (sent, not yet in `done`)
 * and returns completions per second. A window that makes no progress for 20 ms was lost
 * (datagrams dropped, e.g. by a full socket buffer): the pacer stops waiting for it.
 */
export async function paced(
  sendOne: () => void,
  done: Completions,
  window: number,
  runMs: number,
): Promise<number> {
  let sent = done.n;
  const first = done.n;
  const start = performance.now();
  while (performance.now() - start < runMs) {
    while (sent - done.n < window) {
      sendOne();
      sent++;
    }
    const progressed = await new Promise<boolean>((resolve) => {
      const timer = setTimeout(() => resolve(false), 20);
      done.wake = () => {
        if (sent - done.n > window / 2) return;
        clearTimeout(timer);
        resolve(true);
      };
    });
    done.wake = undefined;
    if (!progressed) sent = done.n;
  }
  return ((done.n - first) * 1000) / (performance.now() - start);
}
