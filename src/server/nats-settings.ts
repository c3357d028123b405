import { InvalidArgumentError } from 'commander';
import { z } from 'zod';
import { ConfigError } from './config.js';

/**
 * The one check of `--nats` URLs, used by the flag's parser (a one-line usage error at
 * once) and by the interlink before it dials (the same rules, so nothing the flag lets
 * through is refused later, or the other way round). Only nats:// and tls://: the `nats`
 * package for Node speaks TCP, not NATS over WebSocket (ws://, wss://).
 */
export const NATS_SCHEMES = ['nats', 'tls'] as const;

export interface NatsServerList {
  /** The URLs without credentials (what nats.js dials, and what logs may show). */
  servers: string[];
  user?: string;
  pass?: string;
  token?: string;
}

const URL_SHAPE = /^(?:([a-z][a-z0-9+.-]*):\/\/)?(?:([^@/]*)@)?([^@/\s]+)\/?$/i;

/** `host:port`, `host` or `[v6]:port` with a port that is a port. */
const hostPort = z.string().refine((hp) => {
  const m = /^(\[[0-9a-f:.]+\]|[^:[\]]+)(?::(\d{1,5}))?$/i.exec(hp);
  return m !== null && (m[2] === undefined || (Number(m[2]) >= 1 && Number(m[2]) <= 65535));
});

/** A URL with any credentials replaced by `***`, for messages. */
export function redactNatsUrl(url: string): string {
  return url.replace(/\/\/[^@/]*@/, '//***@').replace(/^[^:/@]*@/, '***@');
}

/**
 * `--nats` URLs → the URLs nats.js dials and the credentials they carried. nats.js does
 * not read user:pass@ from a URL itself. Throws ConfigError (one line, credentials
 * redacted) for an empty or malformed URL, a scheme the client cannot dial, or URLs
 * that carry different credentials (one connection has one identity).
 */
export function parseNatsServers(urls: readonly string[]): NatsServerList {
  const out: NatsServerList = { servers: [] };
  let cred: string | null = null;
  for (const raw of urls.map((u) => u.trim()).filter((u) => u !== '')) {
    const m = URL_SHAPE.exec(raw);
    if (!m) throw new ConfigError(`--nats "${redactNatsUrl(raw)}" is not a NATS URL (nats://host:port or tls://host:port)`);
    const [, scheme, userinfo, hostport] = m;
    const s = scheme?.toLowerCase();
    if (s === 'ws' || s === 'wss') throw new ConfigError(`--nats "${redactNatsUrl(raw)}": NATS over WebSocket (${s}://) is not supported by the server's NATS client; use nats:// or tls://`);
    if (s !== undefined && !(NATS_SCHEMES as readonly string[]).includes(s)) {
      throw new ConfigError(`--nats "${redactNatsUrl(raw)}" is not a NATS URL: unknown scheme ${s}:// (use nats:// or tls://)`);
    }
    if (!hostPort.safeParse(hostport).success) throw new ConfigError(`--nats "${redactNatsUrl(raw)}" is not a NATS URL: "${hostport!}" is not host:port`);
    out.servers.push(`${s ?? 'nats'}://${hostport!}`);
    if (userinfo === undefined || userinfo === '') continue;
    if (cred !== null && cred !== userinfo) throw new ConfigError('--nats: the URLs carry different credentials; one server connects with one identity');
    cred = userinfo;
    const colon = userinfo.indexOf(':');
    try {
      if (colon < 0) out.token = decodeURIComponent(userinfo);
      else {
        out.user = decodeURIComponent(userinfo.slice(0, colon));
        out.pass = decodeURIComponent(userinfo.slice(colon + 1));
      }
    } catch {
      throw new ConfigError(`--nats "${redactNatsUrl(raw)}": the credentials are not valid percent-encoding`);
    }
  }
  if (out.servers.length === 0) throw new ConfigError('--nats needs at least one URL, e.g. nats://127.0.0.1:4222');
  return out;
}

/** The `--nats` flag's parser: comma-separated URLs, checked by parseNatsServers, kept as given. */
export function natsUrlsFlag(v: string): string[] {
  const urls = v.split(',').map((s) => s.trim()).filter(Boolean);
  try {
    parseNatsServers(urls);
  } catch (e) {
    if (e instanceof ConfigError) throw new InvalidArgumentError(e.message);
    throw e;
  }
  return urls;
}
