import path from 'node:path';
import { OpvError } from '../../errors.js';
import { callsignForPath } from '../../util/callsign-path.js';
import { configDir } from '../../util/xdg.js';

/** Longest path a Unix socket address holds on Linux (sun_path is 108 bytes with its NUL). */
export const UNIX_PATH_MAX = 107;

/**
 * Where a running station's control socket lives: $XDG_RUNTIME_DIR/opv/ (a login session),
 * else the settings directory (a service's dedicated user, which has no runtime
 * directory of its own). The callsign never becomes a directory separator.
 */
export function controlSocketPath(callsign: string, env: NodeJS.ProcessEnv = process.env): string {
  const dir = env.XDG_RUNTIME_DIR ? path.join(env.XDG_RUNTIME_DIR, 'opv') : configDir(env);
  return path.join(dir, `station-${callsignForPath(callsign)}.sock`);
}

export function checkSocketPath(file: string): void {
  if (Buffer.byteLength(file) > UNIX_PATH_MAX) {
    throw new OpvError('OPV_CONFIG', `control socket path ${file} is longer than ${UNIX_PATH_MAX} bytes: give a shorter one with --control-socket`);
  }
}
