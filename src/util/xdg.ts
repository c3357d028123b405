import { homedir } from 'node:os';
import path from 'node:path';

/** opv's configuration directory: $XDG_CONFIG_HOME/opv, else ~/.config/opv. */
export function configDir(env: NodeJS.ProcessEnv = process.env): string {
  return path.join(env.XDG_CONFIG_HOME || path.join(env.HOME || homedir(), '.config'), 'opv');
}
