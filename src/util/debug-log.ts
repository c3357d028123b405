import { appendFileSync, mkdirSync } from 'node:fs';
import path from 'node:path';
import { stateDir } from './xdg.js';
import { formatWithOptions } from 'node:util';
import createDebug from 'debug';

/**
 * The diagnostic log of station and admin: `debug` namespaces under `opv:` (opv:link,
 * opv:rx, opv:admin:http…), off by default, switched on by `--debug` (all of opv:*) or
 * the usual `DEBUG=opv:rx,opv:link` environment variable, as mediasoup does.
 * A full-screen interface owns the terminal, so there the log goes to a file, never to
 * the screen; in line mode it goes to stderr unless a file is named.
 */
export type DebugLog = (format: string, ...args: unknown[]) => void;

// `useColors` is set per instance at creation; @types/debug does not declare it.
type Instance = createDebug.Debugger & { useColors: boolean };
const made: Instance[] = [];
let toFile = false;

export function debugLog(namespace: string): DebugLog {
  const d = createDebug(`opv:${namespace}`) as Instance;
  if (toFile) d.useColors = false;
  made.push(d);
  return (format, ...args) => {
    if (d.enabled) d(format, ...args);
  };
}

/** `$XDG_STATE_HOME/opv/<app>-debug.log` (default ~/.local/state/opv/…). */
export function defaultDebugFile(app: string, env: NodeJS.ProcessEnv = process.env): string {
  return path.join(stateDir(env), `${app}-debug.log`);
}

export interface DebugSetup {
  /** `--debug`: every opv namespace, on top of whatever DEBUG already names. */
  all: boolean;
  /** `--debug-file`: where to write; otherwise stderr, or the default file under a full-screen UI. */
  file?: string;
  /** The terminal belongs to a full-screen interface: never write to stderr. */
  fullScreen: boolean;
  app: string;
}

/** Applies the switches; returns where the log goes when it is on (null: off). */
export function setupDebugLog(o: DebugSetup): string | null {
  const current = process.env.DEBUG ?? '';
  if (o.all) createDebug.enable([current, 'opv:*'].filter(Boolean).join(','));
  // Under a full-screen UI any DEBUG at all is taken off the screen (other libraries use `debug` too).
  const on = made.some((d) => createDebug.enabled(d.namespace)) || createDebug.enabled('opv:any') || (o.fullScreen && Boolean(process.env.DEBUG));
  if (!on) return null;
  if (!o.file && !o.fullScreen) return 'stderr';
  const file = path.resolve(o.file ?? defaultDebugFile(o.app));
  mkdirSync(path.dirname(file), { recursive: true });
  appendFileSync(file, '');
  toFile = true;
  for (const d of made) d.useColors = false;
  createDebug.log = (...args: unknown[]): void => {
    try {
      appendFileSync(file, formatWithOptions({ colors: false }, ...args) + '\n');
    } catch {
      // A log that cannot be written must not take the station down.
    }
  };
  return file;
}
