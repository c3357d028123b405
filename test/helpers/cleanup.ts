/**
 * Last-resort cleanup for test resources that outlive the test process otherwise:
 * namespaces, tmux servers, detached children, temp dirs. Runs on normal exit and on
 * SIGINT/SIGTERM/SIGHUP (after which the signal is re-raised so the exit status still
 * says "killed by signal"). A SIGKILLed test process cannot clean up; netns.ts sweeps
 * namespaces left by dead processes when it next creates one.
 */

type Cleanup = () => void;

const cleanups = new Set<Cleanup>();
let installed = false;
const SIGNALS: NodeJS.Signals[] = ['SIGINT', 'SIGTERM', 'SIGHUP'];

function runAll(): void {
  for (const fn of [...cleanups].reverse()) {
    cleanups.delete(fn);
    try {
      fn();
    } catch {
      // Cleanup is best effort: one failure must not stop the others.
    }
  }
}

function onSignal(signal: NodeJS.Signals): void {
  runAll();
  for (const s of SIGNALS) process.removeListener(s, onSignal);
  process.kill(process.pid, signal);
}

function install(): void {
  if (installed) return;
  installed = true;
  process.on('exit', runAll);
  for (const s of SIGNALS) process.on(s, onSignal);
}

/** Registers `fn` to run at process exit; returns a function that unregisters it. */
export function onExit(fn: Cleanup): () => void {
  install();
  cleanups.add(fn);
  return () => {
    cleanups.delete(fn);
  };
}
