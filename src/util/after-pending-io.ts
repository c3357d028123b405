/**
 * Node runs the timers that are due before it reads the sockets. After a stall (a loaded
 * Pi, a paused VM) a time-out judged in a timer would miss the datagrams that arrived
 * meanwhile and wait to be read: a keepalive echo taken for silence, a voice frame
 * counted lost. Deferred with setImmediate, the judgement runs in the same turn of the
 * loop, after the poll phase has read them.
 */
export function afterPendingIo(fn: () => void): () => void {
  return () => void setImmediate(fn);
}
