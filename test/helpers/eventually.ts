/**
 * Polls `probe` until it returns true (or a value that is not undefined/false), for
 * state that settles asynchronously (a file the station writes in the background):
 * the test waits for the condition instead of sleeping. Fails naming `what`.
 */
export async function eventually(probe: () => boolean, what: string, timeoutMs = 10_000, everyMs = 50): Promise<void> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    if (probe()) return;
    if (Date.now() > end) throw new Error(`timed out after ${timeoutMs} ms waiting until ${what}`);
    await new Promise((r) => setTimeout(r, everyMs));
  }
}
