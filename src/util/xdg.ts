import { homedir } from 'node:os';
import path from 'node:path';

/**
 * opv's directories, after the XDG Base Directory specification: each base is its
 * variable when that is an absolute path (a relative one is invalid and ignored, as the
 * specification says), else its default under the home directory. Every directory opv
 * keeps things in is worked out here and nowhere else.
 */
type Base = 'XDG_CONFIG_HOME' | 'XDG_DATA_HOME' | 'XDG_STATE_HOME';
const DEFAULTS: Record<Base, readonly string[]> = {
  XDG_CONFIG_HOME: ['.config'],
  XDG_DATA_HOME: ['.local', 'share'],
  XDG_STATE_HOME: ['.local', 'state'],
};

/** The home directory: $HOME (so a test's HOME is honoured through `env`), else the account's. */
export function homeDir(env: NodeJS.ProcessEnv = process.env): string {
  return env.HOME || homedir();
}

function base(name: Base, env: NodeJS.ProcessEnv): string {
  const v = env[name];
  if (v && path.isAbsolute(v)) return v;
  return path.join(homeDir(env), ...DEFAULTS[name]);
}

/** opv's configuration directory: $XDG_CONFIG_HOME/opv, else ~/.config/opv. */
export function configDir(env: NodeJS.ProcessEnv = process.env): string {
  return path.join(base('XDG_CONFIG_HOME', env), 'opv');
}

/** opv's data directory (history, exports): $XDG_DATA_HOME/opv, else ~/.local/share/opv. */
export function dataDir(env: NodeJS.ProcessEnv = process.env): string {
  return path.join(base('XDG_DATA_HOME', env), 'opv');
}

/** opv's state directory (debug logs, the server's bans): $XDG_STATE_HOME/opv, else ~/.local/state/opv. */
export function stateDir(env: NodeJS.ProcessEnv = process.env): string {
  return path.join(base('XDG_STATE_HOME', env), 'opv');
}

/**
 * opv's runtime directory (sockets): $XDG_RUNTIME_DIR/opv in a login session; null when
 * there is none (a service's dedicated user), for the caller to choose another place.
 */
export function runtimeDir(env: NodeJS.ProcessEnv = process.env): string | null {
  const v = env.XDG_RUNTIME_DIR;
  return v && path.isAbsolute(v) ? path.join(v, 'opv') : null;
}

/**
 * A service's state directory: systemd's $STATE_DIRECTORY (the first of a colon-separated
 * list; systemd gives absolute paths) when run as a unit with StateDirectory=, else stateDir.
 */
export function serviceStateDir(env: NodeJS.ProcessEnv = process.env): string {
  const sd = env.STATE_DIRECTORY?.split(':')[0];
  return sd ? sd : stateDir(env);
}
