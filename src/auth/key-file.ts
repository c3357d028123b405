import path from 'node:path';
import { callsignForPath } from '../util/callsign-path.js';
import { configDir } from '../util/xdg.js';

/** Where a station's key lives unless told otherwise: ~/.config/opv/keys/<CALL>.pem. */
export function defaultKeyFile(callsign: string, env: NodeJS.ProcessEnv = process.env): string {
  return path.join(configDir(env), 'keys', `${callsignForPath(callsign)}.pem`);
}
