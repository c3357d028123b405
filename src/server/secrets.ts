/**
 * Secrets for the server come from files or the environment, never needed on the
 * command line, where any user of the machine reads them in `ps`. A secret given on the
 * command line still works (scripts keep running) but the start-up log says why not to.
 */
import { readFileSync } from 'node:fs';
import { STATS_TOKEN_ENV } from '../contract/stats.js';
import { ConfigError } from './config.js';

/** Most bytes read from a secret file: a token or a user:password line, not a file of anything. */
const MAX_SECRET_BYTES = 4096;

/** The first line of a secret file, trimmed; a one-line ConfigError naming the file when it is unreadable or empty. */
export function readSecretFile(file: string, flag: string): string {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (e) {
    const err = e as NodeJS.ErrnoException;
    throw new ConfigError(`${flag} ${file}: ${err.code === 'ENOENT' ? 'no such file' : err.code === 'EACCES' ? 'permission denied' : err.message}`);
  }
  if (text.length > MAX_SECRET_BYTES) throw new ConfigError(`${flag} ${file}: over ${MAX_SECRET_BYTES} bytes; it should hold one line`);
  const line = text.split(/\r?\n/).map((l) => l.trim()).find((l) => l !== '' && !l.startsWith('#'));
  if (line === undefined) throw new ConfigError(`${flag} ${file}: the file is empty`);
  return line;
}

export interface SecretChoice {
  value: string | null;
  /** Said once at start-up when the secret came from the command line. */
  warning: string | null;
}

/** The stats token: --stats-token-file, else --stats-token (warned), else OPV_STATS_TOKEN. */
export function statsToken(flags: { statsToken?: string; statsTokenFile?: string }, env: NodeJS.ProcessEnv = process.env): SecretChoice {
  if (flags.statsTokenFile !== undefined && flags.statsToken !== undefined) throw new ConfigError('--stats-token and --stats-token-file: give one (the file is better)');
  if (flags.statsTokenFile !== undefined) return { value: readSecretFile(flags.statsTokenFile, '--stats-token-file'), warning: null };
  if (flags.statsToken !== undefined) {
    return { value: flags.statsToken, warning: `--stats-token on the command line is visible to every user in ps: use --stats-token-file FILE or ${STATS_TOKEN_ENV}` };
  }
  const v = env[STATS_TOKEN_ENV];
  return { value: v !== undefined && v !== '' ? v : null, warning: null };
}

/**
 * NATS credentials from a file of one line, `user:password` (or a lone token), put into
 * the URLs in memory so the interlink's one parser reads them.
 */
export function natsUrlsWithCredentials(urls: string[], userFile: string | undefined): { urls: string[]; warning: string | null } {
  const inline = urls.some((u) => /^[a-z]+:\/\/[^/@]+@/i.test(u));
  if (userFile === undefined) {
    return { urls, warning: inline ? '--nats with user:password@ or token@ in the URL is visible to every user in ps: use --nats-user-file FILE or --nats-creds FILE' : null };
  }
  if (inline) throw new ConfigError('--nats-user-file and credentials in a --nats URL: give one (the file is better)');
  const line = readSecretFile(userFile, '--nats-user-file');
  const colon = line.indexOf(':');
  const userinfo = colon < 0 ? encodeURIComponent(line) : `${encodeURIComponent(line.slice(0, colon))}:${encodeURIComponent(line.slice(colon + 1))}`;
  return {
    urls: urls.map((u) => {
      const m = /^([a-z]+:\/\/)?(.*)$/i.exec(u)!;
      return `${m[1] ?? 'nats://'}${userinfo}@${m[2]!}`;
    }),
    warning: null,
  };
}
