/**
 * The station's files: the settings file parses and validates, and the key file exists,
 * is a key, and is readable by its owner only.
 */
import { readFileSync, statSync } from 'node:fs';
import { loadPrivateKey } from '../auth/crypto.js';
import { loadSettingsFile, type SettingsLayer } from '../station/settings.js';
import { fail, pass, skip, warn, type CheckResult } from './check.js';
import { firstLine } from './runtime.js';

/** The settings file's layer (empty when missing or invalid) and its check. */
export function checkSettingsFile(file: string, exists: (f: string) => boolean): { layer: SettingsLayer; result: CheckResult } {
  if (!exists(file)) return { layer: {}, result: skip('settings file', `${file} does not exist (defaults and flags only)`) };
  try {
    const layer = loadSettingsFile(file);
    return { layer, result: pass('settings file', `${file} is valid`) };
  } catch (e) {
    return { layer: {}, result: fail('settings file', firstLine(e), `correct it, or write a fresh one: opv station CALL -i SERVER --save-config`) };
  }
}

/**
 * The key file. `explicit`: named by --key or the settings file (then it must exist);
 * otherwise the default location, which may simply not be there.
 */
export function checkKeyFile(file: string | null, explicit: boolean, callsign: string | null): CheckResult {
  const name = 'key file';
  if (file === null) return skip(name, 'no callsign given, so no default key to look for');
  let st;
  try {
    st = statSync(file);
  } catch {
    if (!explicit) return skip(name, `${file} does not exist (this station does not authenticate; fine unless the server protects ${callsign ?? 'the callsign'})`);
    return fail(name, `${file}: no such file`, `create it with opv keygen ${callsign ?? 'CALL'}, or fix the path`);
  }
  if (!st.isFile()) return fail(name, `${file} is not a file`, 'give the path of the key opv keygen wrote');
  try {
    loadPrivateKey(readFileSync(file, 'utf8'));
  } catch (e) {
    return fail(name, `${file} is not a usable key: ${firstLine(e)}`, `create one with opv keygen ${callsign ?? 'CALL'}`);
  }
  const mode = st.mode & 0o777;
  const octal = mode.toString(8).padStart(4, '0');
  if ((mode & 0o077) !== 0) return fail(name, `${file} has mode ${octal}: other users can read the private key`, `chmod 600 ${file}`);
  if (typeof process.getuid === 'function' && st.uid !== process.getuid()) return warn(name, `${file} (mode ${octal}) belongs to another user (uid ${st.uid})`, `chown the key to the user the station runs as`);
  return pass(name, `${file} is an Ed25519 key, mode ${octal}`);
}
