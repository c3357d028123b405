import { execFileSync, spawn, type ChildProcess, type SpawnOptions } from 'node:child_process';
import { onExit } from './cleanup.js';

/** One simulated host: a network namespace with an address on the test subnet. */
export interface TestHost {
  name: string;
  /** Namespace name, for `ip netns exec` or `new Proc(…, { netns })`. */
  ns: string;
  /** IPv4 address on the test /24. */
  ip: string;
  /** IPv6 address on the test /64 (no duplicate-address detection, usable at once). */
  ip6: string;
}

/** netem impairment of one host's link; applies to traffic in both directions. */
export interface LinkImpairment {
  delayMs?: number;
  jitterMs?: number;
  lossPercent?: number;
}

export interface TestNetOptions {
  /** Impairment applied to every host's link at creation (needs netemAvailable()). */
  netem?: LinkImpairment;
}

export interface TestNet {
  hosts: Record<string, TestHost>;
  /** IPv4 subnet, e.g. "10.201.7.0/24". */
  subnet: string;
  /** Spawns `cmd args` inside `host`'s namespace; killed by close(). */
  exec(host: string, cmd: string, args?: string[], opts?: SpawnOptions): ChildProcess;
  /** Runs `cmd args` inside `host` to completion and returns its stdout; throws on failure. */
  run(host: string, cmd: string, args?: string[], timeoutMs?: number): string;
  /** Sets (or with null removes) a netem impairment on `host`'s link. */
  setLink(host: string, impairment: LinkImpairment | null): void;
  /** Kills every process in the namespaces and deletes them (and thereby all links). Idempotent. */
  close(): void;
}

const PREFIX = 'opvt-';
let seq = 0;
let swept = false;
const open = new Set<TestNet>();
let exitHook = false;

function ip(args: string[]): string {
  return execFileSync('ip', args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], timeout: 10_000 });
}

function errText(e: unknown): string {
  if (typeof e === 'object' && e !== null && 'stderr' in e) {
    const s = String(e.stderr).trim();
    if (s) return s.split('\n')[0] ?? s;
  }
  return e instanceof Error ? e.message.split('\n')[0] ?? e.message : String(e);
}

function listNamespaces(): string[] {
  return ip(['netns', 'list'])
    .split('\n')
    .map((l) => l.split(' ')[0] ?? '')
    .filter((n) => n.length > 0);
}

function killNamespaceProcesses(ns: string): void {
  let pids: number[] = [];
  try {
    pids = ip(['netns', 'pids', ns])
      .split('\n')
      .map((s) => Number(s.trim()))
      .filter((n) => Number.isInteger(n) && n > 0 && n !== process.pid);
  } catch {
    return;
  }
  for (const pid of pids) {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      // Gone already.
    }
  }
}

function deleteNamespace(ns: string): void {
  killNamespaceProcesses(ns);
  try {
    ip(['netns', 'del', ns]);
  } catch {
    // Already gone.
  }
}

function pidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Deletes namespaces left behind by test processes that died without cleaning up (SIGKILL). */
function sweepStale(): void {
  if (swept) return;
  swept = true;
  for (const ns of listNamespaces()) {
    const m = /^opvt-(\d+)-/.exec(ns);
    if (m && Number(m[1]) !== process.pid && !pidAlive(Number(m[1]))) deleteNamespace(ns);
  }
}

let available: boolean | undefined;
let unavailableReason = '';

/** True when namespaces can be made here (root, iproute2, a probe namespace with a veth pair works). */
export function netnsAvailable(): boolean {
  if (available !== undefined) return available;
  available = false;
  if (process.platform !== 'linux') {
    unavailableReason = 'network namespaces need Linux';
  } else if (process.getuid?.() !== 0) {
    unavailableReason = 'network namespaces need root';
  } else {
    const probe = `${PREFIX}${process.pid}-probe`;
    try {
      ip(['netns', 'add', probe]);
      try {
        ip(['-n', probe, 'link', 'add', 'name', 'v0', 'type', 'veth', 'peer', 'name', 'v1']);
        ip(['-n', probe, 'link', 'add', 'name', 'br0', 'type', 'bridge']);
        available = true;
      } finally {
        deleteNamespace(probe);
      }
    } catch (e) {
      unavailableReason = (e as NodeJS.ErrnoException).code === 'ENOENT' ? 'the `ip` command (iproute2) is not installed' : `cannot create a network namespace: ${errText(e)}`;
    }
  }
  return available;
}

/** For node:test's `skip` option: false when namespaces work, else the reason they do not. */
export function netnsSkip(): string | false {
  return netnsAvailable() ? false : unavailableReason;
}

let netemOk: boolean | undefined;

/** True when `tc … netem` works in a namespace (needs the sch_netem kernel module). */
export function netemAvailable(): boolean {
  if (netemOk !== undefined) return netemOk;
  netemOk = false;
  if (!netnsAvailable()) return netemOk;
  const probe = `${PREFIX}${process.pid}-netemprobe`;
  try {
    ip(['netns', 'add', probe]);
    try {
      ip(['-n', probe, 'link', 'add', 'name', 'v0', 'type', 'veth', 'peer', 'name', 'v1']);
      ip(['netns', 'exec', probe, 'tc', 'qdisc', 'add', 'dev', 'v0', 'root', 'netem', 'delay', '1ms']);
      netemOk = true;
    } finally {
      deleteNamespace(probe);
    }
  } catch {
    netemOk = false;
  }
  return netemOk;
}

function netemArgs(imp: LinkImpairment): string[] {
  const args: string[] = [];
  if (imp.delayMs !== undefined || imp.jitterMs !== undefined) {
    args.push('delay', `${imp.delayMs ?? 0}ms`);
    if (imp.jitterMs !== undefined) args.push(`${imp.jitterMs}ms`);
  }
  if (imp.lossPercent !== undefined) args.push('loss', `${imp.lossPercent}%`);
  return args;
}

/**
 * Hosts on one private subnet, each in its own network namespace with `lo` up and an
 * `eth0` veth whose peer sits on a bridge in a hub namespace. Nothing is attached to
 * the machine's own namespace and there is no default route, so test traffic stays
 * between these hosts. Namespaces are named `opvt-<pid>-<n>-<host>` (hub: `opvt-<pid>-<n>`);
 * ones left by dead test processes are swept on first use. Synchronous (awaiting the
 * result is harmless). Throws with the failing `ip` message if a step fails.
 */
export function createTestNet(names: string[], opts: TestNetOptions = {}): TestNet {
  if (names.length === 0 || names.length > 250) throw new Error('createTestNet: need 1 to 250 host names');
  for (const n of names) {
    if (!/^[A-Za-z0-9_]{1,32}$/.test(n)) throw new Error(`createTestNet: bad host name ${JSON.stringify(n)} (letters, digits, _)`);
  }
  if (new Set(names).size !== names.length) throw new Error('createTestNet: duplicate host names');
  sweepStale();
  if (!exitHook) {
    exitHook = true;
    onExit(() => {
      for (const n of open) n.close();
    });
  }

  const id = `${PREFIX}${process.pid}-${seq}`;
  const x = ((process.pid + seq) % 250) + 1;
  seq++;
  const subnet = `10.201.${x}.0/24`;
  const hub = id;
  const created: string[] = [];
  const children = new Set<ChildProcess>();
  const hosts: Record<string, TestHost> = {};
  const index = new Map<string, number>();

  const hostOf = (name: string): TestHost => {
    const h = hosts[name];
    if (!h) throw new Error(`TestNet: no host ${JSON.stringify(name)} (have ${Object.keys(hosts).join(', ')})`);
    return h;
  };

  let closed = false;
  const net: TestNet = {
    hosts,
    subnet,
    exec(host, cmd, args = [], spawnOpts = {}) {
      const h = hostOf(host);
      const child = spawn('ip', ['netns', 'exec', h.ns, cmd, ...args], spawnOpts);
      children.add(child);
      child.on('exit', () => children.delete(child));
      child.on('error', () => children.delete(child));
      return child;
    },
    run(host, cmd, args = [], timeoutMs = 10_000) {
      const h = hostOf(host);
      try {
        return execFileSync('ip', ['netns', 'exec', h.ns, cmd, ...args], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], timeout: timeoutMs });
      } catch (e) {
        throw new Error(`${host}: ${cmd} ${args.join(' ')} failed: ${errText(e)}`);
      }
    },
    setLink(host, impairment) {
      const h = hostOf(host);
      const port = `p${index.get(host)!}`;
      const targets: [string, string][] = [
        [h.ns, 'eth0'],
        [hub, port],
      ];
      for (const [ns, dev] of targets) {
        try {
          if (impairment === null) {
            execFileSync('ip', ['netns', 'exec', ns, 'tc', 'qdisc', 'del', 'dev', dev, 'root'], { stdio: 'ignore' });
          } else {
            execFileSync('ip', ['netns', 'exec', ns, 'tc', 'qdisc', 'replace', 'dev', dev, 'root', 'netem', ...netemArgs(impairment)], {
              stdio: ['ignore', 'pipe', 'pipe'],
            });
          }
        } catch (e) {
          if (impairment !== null) throw new Error(`TestNet.setLink(${host}): tc netem failed: ${errText(e)} (netemAvailable() is ${netemAvailable()})`);
        }
      }
    },
    close() {
      if (closed) return;
      closed = true;
      for (const c of children) {
        try {
          c.kill('SIGKILL');
        } catch {
          // Gone already.
        }
      }
      children.clear();
      for (const ns of [...created].reverse()) deleteNamespace(ns);
      created.length = 0;
      open.delete(net);
    },
  };
  open.add(net);

  try {
    ip(['netns', 'add', hub]);
    created.push(hub);
    ip(['-n', hub, 'link', 'add', 'name', 'br0', 'type', 'bridge']);
    ip(['-n', hub, 'link', 'set', 'br0', 'up']);
    names.forEach((name, i) => {
      const ns = `${id}-${name}`;
      const addr = `10.201.${x}.${i + 1}`;
      const addr6 = `fd0c:201:${x.toString(16)}::${(i + 1).toString(16)}`;
      ip(['netns', 'add', ns]);
      created.push(ns);
      ip(['-n', ns, 'link', 'set', 'lo', 'up']);
      ip(['-n', ns, 'link', 'add', 'name', 'eth0', 'type', 'veth', 'peer', 'name', `p${i}`, 'netns', hub]);
      ip(['-n', hub, 'link', 'set', `p${i}`, 'master', 'br0']);
      ip(['-n', hub, 'link', 'set', `p${i}`, 'up']);
      ip(['-n', ns, 'addr', 'add', `${addr}/24`, 'dev', 'eth0']);
      ip(['-n', ns, '-6', 'addr', 'add', `${addr6}/64`, 'dev', 'eth0', 'nodad']);
      ip(['-n', ns, 'link', 'set', 'eth0', 'up']);
      hosts[name] = { name, ns, ip: addr, ip6: addr6 };
      index.set(name, i);
    });
    if (opts.netem) for (const name of names) net.setLink(name, opts.netem);
  } catch (e) {
    net.close();
    throw new Error(`createTestNet: ${errText(e)}`);
  }
  return net;
}
