import { appendFileSync, mkdirSync } from 'node:fs';
import path from 'node:path';
import { formatWithOptions } from 'node:util';
import { InvalidArgumentError, type Command } from 'commander';
import createDebug from 'debug';
import { stateDir } from './xdg.js';

/**
 * The diagnostic log of all three programs, beside the server's operator log and the
 * station's screen: `debug` namespaces `opv:<app>:<part>` (opv:server:admission,
 * opv:station:link, opv:admin:http…), off by default, switched on by `--debug` (all of
 * the program's), `--debug server:rooms,server:interlink` (some), or the usual
 * `DEBUG=opv:station:link` environment variable, as mediasoup does.
 * A full-screen interface owns the terminal, so there the log goes to a file, never to
 * the screen; elsewhere it goes to stderr unless `--debug-file` names a file.
 */
export type DebugLog = (format: string, ...args: unknown[]) => void;

/** The programs that log; the first word of every namespace after `opv:`. */
export const DEBUG_APPS = ['server', 'station', 'admin'] as const;
export type DebugApp = (typeof DEBUG_APPS)[number];

// `useColors` is set per instance at creation; @types/debug does not declare it.
type Instance = createDebug.Debugger & { useColors: boolean };
const made: Instance[] = [];
let toFile = false;

/** The one factory: `debugLog('server', 'relay')` writes under `opv:server:relay`. */
export function debugLog(app: DebugApp, part?: string): DebugLog {
  const d = createDebug(part === undefined ? `opv:${app}` : `opv:${app}:${part}`) as Instance;
  if (toFile) d.useColors = false;
  made.push(d);
  return (format, ...args) => {
    if (d.enabled) d(format, ...args);
  };
}

/** `$XDG_STATE_HOME/opv/<app>-debug.log` (default ~/.local/state/opv/…). */
export function defaultDebugFile(app: DebugApp, env: NodeJS.ProcessEnv = process.env): string {
  return path.join(stateDir(env), `${app}-debug.log`);
}

const NAMESPACE = /^-?(?:opv:)?(?:\*|(?:server|station|admin)(?::[a-z0-9*-]+)*)$/;

/**
 * `--debug NAMESPACES` → the `debug` package's list: `server:relay,-server:rooms` →
 * `opv:server:relay,-opv:server:rooms`. Each must start with a program's name, so a
 * station callsign after `--debug` is refused in one line instead of read as a namespace.
 */
export function parseDebugNamespaces(v: string): string {
  const parts = v.split(',').map((s) => s.trim()).filter(Boolean);
  if (parts.length === 0 || !parts.every((p) => NAMESPACE.test(p))) {
    throw new InvalidArgumentError(
      `"${v}" is not a list of namespaces (e.g. server:relay,server:rooms or station:* — each starts with ${DEBUG_APPS.join(', ')}); a callsign goes before --debug`,
    );
  }
  return parts.map((p) => (p.replace(/^-/, '').startsWith('opv:') ? p : p.startsWith('-') ? `-opv:${p.slice(1)}` : `opv:${p}`)).join(',');
}

/** The two switches, the same on `opv server`, `opv station` and `opv admin`. */
export function addDebugOptions(cmd: Command, app: DebugApp, whereByDefault: string): Command {
  return cmd
    .option('--debug [namespaces]', `write the diagnostic log: all opv:${app}:* namespaces, or the ones named (e.g. ${app}:*,-${app}:${app === 'server' ? 'relay' : 'http'})`, parseDebugNamespaces)
    .option('--debug-file <file>', `where the diagnostic log goes (default: ${whereByDefault})`);
}

export interface DebugSetup {
  /** `--debug`: true for every namespace of the program, a list (parsed) for some, on top of DEBUG. */
  debug: boolean | string | undefined;
  /** `--debug-file`: where to write; otherwise stderr, or the default file under a full-screen UI. */
  file?: string;
  /** The terminal belongs to a full-screen interface: never write to stderr. */
  fullScreen: boolean;
  app: DebugApp;
}

/** Applies the switches; returns where the log goes when it is on (null: off). */
export function setupDebugLog(o: DebugSetup): string | null {
  const current = process.env.DEBUG ?? '';
  const asked = o.debug === true ? `opv:${o.app}:*,opv:${o.app}` : typeof o.debug === 'string' ? o.debug : '';
  if (asked !== '') createDebug.enable([current, asked].filter(Boolean).join(','));
  // Under a full-screen UI any DEBUG at all is taken off the screen (other libraries use `debug` too).
  const on = made.some((d) => createDebug.enabled(d.namespace)) || createDebug.enabled(`opv:${o.app}:any`) || (o.fullScreen && Boolean(process.env.DEBUG));
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
      // A log that cannot be written must not take the program down.
    }
  };
  return file;
}
