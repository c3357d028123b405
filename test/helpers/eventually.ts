/**
 * Polls `probe` until it returns true (or a value that is not undefined/false), for
 * state that settles asynchronously (a file the station writes in the background):
 * the test waits for the condition instead of sleeping. The probe may be async (an HTTP
 * request to the stats channel). Fails naming `what`, read at the time-out when it is a
 * function, so it can say what the last probe saw.
 */
export async function eventually(probe: () => boolean | Promise<boolean>, what: string | (() => string), timeoutMs = 10_000, everyMs = 50): Promise<void> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    if (await probe()) return;
    if (Date.now() > end) throw new Error(`timed out after ${timeoutMs} ms waiting until ${typeof what === 'function' ? what() : what}`);
    await new Promise((r) => setTimeout(r, everyMs));
  }
}
