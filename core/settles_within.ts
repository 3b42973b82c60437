/**
 * A bounded wait on a promise, for plugins that talk to the world (the admin API and the cluster
 * both wait a while for a session to close).
 *
 * @module
 */

/** Whether `promise` settles (either way) within `ms` milliseconds. */
export async function settlesWithin(promise: Promise<unknown>, ms: number): Promise<boolean> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const late = new Promise<false>((resolve) => (timer = setTimeout(() => resolve(false), ms)));
  try {
    return await Promise.race([promise.then(() => true, () => true), late]);
  } finally {
    clearTimeout(timer);
  }
}
