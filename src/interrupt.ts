// What must be undone before a Ctrl-C'd command exits: the process's SIGINT handler (src/main.ts)
// runs these first, e.g. `start` stopping the daemon it launched, which would otherwise come up anyway.

type Cleanup = () => Promise<void>;

const cleanups = new Set<Cleanup>();

/** A second Ctrl-C does not wait for this. */
export const INTERRUPT_CLEANUP_MAX_MS = 10_000;

/** Registers `cleanup` until the returned function is called. */
export function onInterrupt(cleanup: Cleanup): () => void {
  cleanups.add(cleanup);
  return () => cleanups.delete(cleanup);
}

/** Runs every registered cleanup (at most INTERRUPT_CLEANUP_MAX_MS); failures are ignored: the exit comes anyway. */
export async function runInterruptCleanups(): Promise<void> {
  const all = Promise.allSettled([...cleanups].map((cleanup) => cleanup()));
  await Promise.race([all, Bun.sleep(INTERRUPT_CLEANUP_MAX_MS)]);
}
