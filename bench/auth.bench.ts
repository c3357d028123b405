/**
 * npm run bench:auth [-- --stations 20 --talkers 4 --seconds 10 --rate 10000]
 * A conference relaying voice while an attacker floods the server with bogus
 * authentication messages (bench/auth-flood.ts), against the same conference without
 * the flood and with a flood of the same messages under another prefix (plain control
 * words: what any flood from unregistered sources costs): the relay's CPU, and what the legitimate stations lose. Stations, attacker
 * and server on separate namespace hosts.
 */
import { readFileSync, mkdtempSync, writeFileSync } from 'node:fs';
import { generateKeyPairSync } from 'node:crypto';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Proc } from '../test/helpers/proc.js';
import { createTestNet, netnsAvailable } from '../test/helpers/netns.js';
import { authorizedKeyLine } from '../src/auth/crypto.js';

const here = path.dirname(fileURLToPath(import.meta.url));
const root = path.resolve(here, '..', '..');
const arg = (name: string, def: number): number => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? Number(process.argv[i + 1]) : def;
};
const N = arg('stations', 20);
const K = arg('talkers', 4);
const SECONDS = arg('seconds', 10);
const RATE = arg('rate', 10_000);
const WARMUP = 3;
const CLK_TCK = 100;

function cpuSeconds(pid: number): number {
  const f = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
  return (Number(f[11]) + Number(f[12])) / CLK_TCK;
}

if (!netnsAvailable()) {
  console.error('bench:auth needs root and iproute2 (network namespaces)');
  process.exit(1);
}

const dir = mkdtempSync(path.join(tmpdir(), 'opv-bench-auth-'));
const keys = path.join(dir, 'authorized_keys');
writeFileSync(keys, authorizedKeyLine('W1ABC', generateKeyPairSync('ed25519').privateKey, 'bench') + '\n');

async function run(flood: false | 'auth' | 'junk'): Promise<{ cpuPct: number; lossPct: number; fps: number; p99ms: number; flood: string }> {
  const net = createTestNet(['srv', 'gen', 'atk']);
  const h = net.hosts as Record<'srv' | 'gen' | 'atk', { ns: string; ip: string }>;
  const server = new Proc('node', [path.join(root, 'bin/opv'), 'server', '-p', '57372', '--no-stats', '--stats-interval', '0', '--authorized-keys', keys], { netns: h.srv.ns });
  try {
    await server.waitForLine(/Server ready for connections/);
    const pid = server.child.pid!;
    const load = new Proc('node', [path.join(root, 'dist/bench/server-load.js'), h.srv.ip, '57372', String(N), String(K), String(WARMUP), String(SECONDS)], { netns: h.gen.ns });
    await load.waitForLine(/^measure-start$/, 30_000);
    let atk: Proc | null = null;
    if (flood) {
      atk = new Proc('node', [path.join(root, 'dist/bench/auth-flood.js'), h.srv.ip, '57372', String(RATE), String(SECONDS + 1), '200', 'W1ABC', flood], { netns: h.atk.ns });
      await atk.waitForLine(/^flood-start$/, 10_000);
    }
    const cpu0 = cpuSeconds(pid);
    const t0 = Date.now();
    await load.waitForLine(/^measure-end$/, (SECONDS + 30) * 1000);
    const cpu1 = cpuSeconds(pid);
    const wall = (Date.now() - t0) / 1000;
    const r = JSON.parse(await load.waitForLine(/^\{/, 10_000)) as { received: number; lossPct: number; p99us: number };
    await load.wait();
    const f = atk ? await atk.waitForLine(/^\{/, 30_000) : '';
    return { cpuPct: ((cpu1 - cpu0) / wall) * 100, lossPct: r.lossPct, fps: r.received / SECONDS, p99ms: r.p99us / 1000, flood: f };
  } finally {
    await server.stop('SIGTERM');
    net.close();
  }
}

console.log(`bench:auth — ${N} stations, ${K} talking (${K * 25 * (N - 1)} frames/s to forward), ${SECONDS} s; flood ${RATE.toLocaleString('en-US')} bogus authentication messages/s from 200 source ports`);
for (const flood of [false, 'auth', 'junk'] as const) {
  const r = await run(flood);
  console.log(
    `${flood === 'auth' ? 'auth flood   ' : flood === 'junk' ? 'junk flood   ' : 'no flood     '} relay CPU ${r.cpuPct.toFixed(1)}% of a core  forwarded ${Math.round(r.fps).toLocaleString('en-US')}/s  legitimate loss ${r.lossPct.toFixed(3)}%  latency p99 ${r.p99ms.toFixed(2)} ms${r.flood ? `  attacker: ${r.flood}` : ''}`,
  );
}
