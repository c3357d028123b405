/**
 * Interlinked opv servers and measuring stations on namespace hosts, for the interlink
 * end-to-end tests: each `opv server --nats` and each probe station (./interlink-probe.ts)
 * is a real process on its own host.
 */
import { withServerKeys } from '../../helpers/interlink-keys.js';
import path from 'node:path';
import { serverStatsSchema } from '../../../src/contract/stats-schema.js';
import { DEFAULT_STATS_PORT, type ServerStats } from '../../../src/contract/stats.js';
import { DEFAULT_SERVER_PORT } from '../../../src/protocol/constants.js';
import { Proc } from '../../helpers/proc.js';
import { opvBin, repoRoot } from '../../helpers/paths.js';
import type { TestNet } from '../../helpers/netns.js';
import { startNatsCluster, startNatsLeaf, type NatsNode } from '../../helpers/nats.js';
import type { Dump, Rx } from './interlink-probe.js';

export type Host = { name: string; ns: string; ip: string };

export const TOKEN = 'interlink-test-token';
export const MAIN_PORT = DEFAULT_SERVER_PORT;
export const NET_PORT = 57373;
const probeJs = path.join(repoRoot, 'dist', 'test', 'e2e', 'support', 'interlink-probe.js');

export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/**
 * The NATS side of the namespace tests: hosts n1, n2 and n3 as one cluster (full mesh of
 * routes) and host nl as a leaf node of it, every node on the standard ports.
 */
export async function startNatsTopology(net: TestNet): Promise<{ hubs: [NatsNode, NatsNode, NatsNode]; leaf: NatsNode }> {
  const h = net.hosts;
  const at = (name: 'n1' | 'n2' | 'n3' | 'nl'): { name: string; host: string; netns: string } => {
    const host = h[name];
    if (host === undefined) throw new Error(`startNatsTopology: the test net has no host ${name}`);
    return { name, host: host.ip, netns: host.ns };
  };
  const node = (name: 'n1' | 'n2' | 'n3') => ({ ...at(name), port: 4222, clusterPort: 6222, leafPort: 7422, monitorPort: 8222 });
  const hubs = (await startNatsCluster([node('n1'), node('n2'), node('n3')])) as [NatsNode, NatsNode, NatsNode];
  const leaf = await startNatsLeaf(hubs, { ...at('nl'), port: 4222, monitorPort: 8222 });
  return { hubs, leaf };
}

export class OpvServer {
  constructor(
    readonly proc: Proc,
    readonly id: string,
    readonly host: Host,
    private readonly net: TestNet,
  ) {}

  /** GET or POST on the stats channel, asked from the server's own host (the test process is outside the namespaces). */
  api(method: 'GET' | 'POST', route: string): { status: number; json: unknown } {
    const out = this.net
      .run(this.host.name, 'curl', ['-s', '-o', '-', '-w', '\n%{http_code}', '-X', method, '-H', `authorization: Bearer ${TOKEN}`, `http://${this.host.ip}:${DEFAULT_STATS_PORT}/api/v1${route}`])
      .trim()
      .split('\n');
    const status = Number(out.pop());
    return { status, json: JSON.parse(out.join('\n')) as unknown };
  }

  stats(): ServerStats {
    return serverStatsSchema.parse(this.api('GET', '/stats').json);
  }

  /** The interlink figures (the server runs with --nats). */
  link(): NonNullable<ServerStats['interlink']> {
    const l = this.stats().interlink;
    if (l === null) throw new Error(`${this.id}: no interlink in the stats`);
    return l;
  }

  roomStats(room: string): ServerStats['rooms'][number] {
    const r = this.stats().rooms.find((x) => x.name === room);
    if (r === undefined) throw new Error(`${this.id}: no room ${room} in the stats`);
    return r;
  }
}

/** `opv server --nats … --server-id ID --room NET:57373` on `host`, started and connected to NATS. */
export async function startOpvServer(net: TestNet, host: Host, id: string, natsUrls: string[], extra: string[] = []): Promise<OpvServer> {
  const proc = new Proc(
    'node',
    [opvBin, 'server', ...withServerKeys(['--nats', natsUrls.join(','), '--server-id', id, '--room', `NET:${NET_PORT}`, '--stats-host', host.ip, '--stats-token', TOKEN, '--stats-interval', '0', ...extra])],
    { netns: host.ns },
  );
  await proc.waitForLine(/Server ready for connections/, 20_000);
  await proc.waitForLine(/NATS: connected to /, 30_000);
  return new OpvServer(proc, id, host, net);
}

export class Probe {
  constructor(
    readonly proc: Proc,
    readonly call: string,
  ) {}

  /** Sends a command and waits until the probe has carried it out. */
  async cmd(line: string, timeoutMs = 20_000): Promise<void> {
    const mark = this.proc.lines.length;
    this.proc.sendLine(line);
    const word = line.split(' ')[0]!;
    await this.proc.waitForLine(new RegExp(`^done ${word}$`), timeoutMs, mark);
  }

  /** Starts a command without waiting for it (a stream that runs while the test does something else). */
  start(line: string): Promise<void> {
    return this.cmd(line, 120_000);
  }

  async dump(): Promise<Dump> {
    const mark = this.proc.lines.length;
    this.proc.sendLine('dump');
    const line = await this.proc.waitForLine(/^\{/, 20_000, mark);
    return JSON.parse(line) as Dump;
  }
}

/** A probe station CALL on `host`, sending to `server:port`, bound to `bindPort` (the standard port, as real stations). */
export async function startProbe(host: Host, call: string, server: Host, port = MAIN_PORT, bindPort = MAIN_PORT): Promise<Probe> {
  const proc = new Proc('node', [probeJs, call, server.ip, String(port), String(bindPort)], { netns: host.ns });
  await proc.waitForLine(/^ready \d+$/, 20_000);
  return new Probe(proc, call);
}

/** Test voice received from `from` with tag `tag`, in arrival order. */
export function voiceOf(d: Dump, from: string, tag: number): (Rx & { seq: number; sent: number })[] {
  return d.rx.filter((r): r is Rx & { seq: number; sent: number } => r.f === from && r.tag === tag && r.seq !== undefined && r.sent !== undefined);
}

/**
 * Every frame each member sent since the last mark reached every other member exactly
 * once and unchanged (same hash of the raw bytes), nothing came back to its sender, and
 * nothing came from a station outside `members` (server messages aside). Returns the
 * problems in words (empty: all good).
 */
export function exactnessProblems(dumps: Dump[], outsiders: string[] = []): string[] {
  const problems: string[] = [];
  for (const r of dumps) {
    const byHash = new Map<string, number>();
    for (const x of r.rx) {
      if (x.n !== 134) problems.push(`${r.call} received a ${x.n}-byte datagram from ${x.f}`);
      if (x.f === 'OPV-SRV') continue;
      byHash.set(x.h, (byHash.get(x.h) ?? 0) + 1);
    }
    const echoes = r.rx.filter((x) => x.f === r.call).length;
    if (echoes > 0) problems.push(`${r.call} received ${echoes} of its own frames back`);
    for (const o of outsiders) {
      const n = r.rx.filter((x) => x.f === o).length;
      if (n > 0) problems.push(`${r.call} received ${n} frames of ${o}, which is not in its room`);
    }
    for (const s of dumps) {
      if (s === r) continue;
      const fromS = r.rx.filter((x) => x.f === s.call);
      const sent = new Set(s.sent);
      const dup = [...new Set(fromS.map((x) => x.h))].filter((h) => (byHash.get(h) ?? 0) > 1);
      if (dup.length > 0) problems.push(`${r.call} received ${dup.length} frames of ${s.call} more than once`);
      const altered = fromS.filter((x) => !sent.has(x.h)).length;
      if (altered > 0) problems.push(`${r.call} received ${altered} frames of ${s.call} that ${s.call} never sent (altered bytes)`);
      const got = new Set(fromS.map((x) => x.h));
      const missing = s.sent.filter((h) => !got.has(h)).length;
      if (missing > 0) problems.push(`${r.call} is missing ${missing} of the ${s.sent.length} frames ${s.call} sent`);
    }
  }
  return problems;
}

/** Polls the probes' dumps until `ok` holds for them (or the time is up); returns the last dumps. */
export async function dumpsWhen(probes: Probe[], ok: (d: Dump[]) => boolean, timeoutMs = 20_000): Promise<Dump[]> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const d = await Promise.all(probes.map((p) => p.dump()));
    if (ok(d) || Date.now() > end) return d;
    await sleep(500);
  }
}
