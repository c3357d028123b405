import { generateKeyPairSync } from 'node:crypto';
import { existsSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { hostname, userInfo } from 'node:os';
import path from 'node:path';
import { Command, InvalidArgumentError } from 'commander';
import { OpvError } from '../errors.js';
import { isServerId } from '../protocol/ext.js';
import { authorizedKeyLine } from './crypto.js';
import { configDir } from '../util/xdg.js';
import { tryOperatorCallsign } from '../protocol/index.js';
import { defaultKeyFile } from './key-file.js';

function callsignArg(v: string): string {
  const r = tryOperatorCallsign(v);
  if (!r.ok) throw new InvalidArgumentError(r.error.message);
  return r.value;
}

function serverIdArg(v: string): string {
  if (!isServerId(v)) throw new InvalidArgumentError(`"${v}" is not a server id: 1 to 32 letters, digits and "-", starting with a letter or digit`);
  return v;
}

export function keygenCommand(): Command {
  return new Command('keygen')
    .description("create a station's Ed25519 key and print its line for the server's authorized-keys file (or, with --server, a server's key and its line for the peers file)")
    .argument('[callsign]', 'the callsign the key proves', callsignArg)
    .option('-s, --server <id>', "make an interlink server's key instead (its line goes in every server's --peers file)", serverIdArg)
    .option('-o, --out <file>', 'where to write the private key (default ~/.config/opv/keys/CALL.pem, or server-ID.pem)')
    .option('-f, --force', 'overwrite an existing key file')
    .option('-C, --comment <text>', 'comment at the end of the printed line (default user@host)')
    .action((callsign: string | undefined, flags: { out?: string; force?: boolean; comment?: string; server?: string }) => {
      if ((callsign === undefined) === (flags.server === undefined)) {
        throw new OpvError('OPV_CONFIG', callsign === undefined ? 'give a callsign (a station key) or --server ID (a server key)' : 'give a callsign or --server ID, not both');
      }
      const server = flags.server;
      const file = flags.out ?? (server !== undefined ? path.join(configDir(), 'keys', `server-${server}.pem`) : defaultKeyFile(callsign!));
      if (existsSync(file) && !flags.force) throw new OpvError('OPV_CONFIG', `${file} already exists (use --force to replace it; the old key stops working)`);
      const { privateKey } = generateKeyPairSync('ed25519');
      mkdirSync(path.dirname(file), { recursive: true, mode: 0o700 });
      // 0600 from creation (a replaced file is removed first: mode applies only to new files).
      if (flags.force) rmSync(file, { force: true });
      writeFileSync(file, privateKey.export({ format: 'pem', type: 'pkcs8' }), { mode: 0o600, flag: 'wx' });
      const comment = (flags.comment ?? `${safeUser()}@${hostname()}`).replace(/[\r\n]/g, ' ').trim();
      if (server !== undefined) {
        process.stderr.write(`private key written to ${file} (mode 0600): give it to opv server --server-key; add this line to the --peers file of every server of the network:\n`);
        // The peers file has the authorized-keys file's format, with a server id for the callsign.
        process.stdout.write(authorizedKeyLine(server, privateKey, comment) + '\n');
        return;
      }
      process.stderr.write(`private key written to ${file} (mode 0600); add this line to the server's authorized-keys file:\n`);
      process.stdout.write(authorizedKeyLine(callsign!, privateKey, comment) + '\n');
    });
}

function safeUser(): string {
  try {
    return userInfo().username;
  } catch {
    return 'opv';
  }
}
