/**
 * Real nats-server processes for tests (Debian's /usr/sbin/nats-server): a single node,
 * a cluster of nodes joined by routes (full mesh), and leaf nodes connected to it.
 * Each node gets its own config file in a temp dir, runs optionally inside a network
 * namespace (`ip netns exec`), and can be SIGKILLed and restarted on the same ports
 * (routes and leaf remotes reconnect by themselves). Everything is killed and removed
 * at process exit.
 */
import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { onExit } from './cleanup.js';
import { eventually } from './eventually.js';
import { freeTcpPort } from './paths.js';
import { Proc } from './proc.js';

export const NATS_SERVER_BIN = process.env.NATS_SERVER ?? '/usr/sbin/nats-server';

/** For node:test's `skip`: false when nats-server is installed, else why not. */
export function natsSkip(): string | false {
  if (existsSync(NATS_SERVER_BIN)) return false;
  const why = `${NATS_SERVER_BIN} is not installed (scripts/setup.sh installs the nats-server package)`;
  // In CI setup.sh has run: a missing nats-server is a broken setup, not a reason to skip.
  if (process.env.CI) throw new Error(why);
  return why;
}

export interface NatsNodeOptions {
  /** server_name, also the label in test output. */
  name: string;
  /** Address every listener binds (client, cluster, leafnode, monitoring); default 127.0.0.1. */
  host?: string;
  /** Run inside this network namespace. */
  netns?: string;
  /** Ports; chosen free ones when absent (in a namespace pass them: the free-port probe runs outside). */
  port?: number;
  clusterPort?: number;
  leafPort?: number;
  monitorPort?: number;
  /** Join a cluster: its name and the other nodes' route URLs (nats-route://host:port). */
  cluster?: { name: string; routes: string[] };
  /** Accept leaf node connections. */
  leafListen?: boolean;
  /** Be a leaf node of these hub URLs (nats-leaf://host:port): one connection, failing over among them. */
  leafRemotes?: string[];
  /** Client credentials the node requires (user/password authorization). */
  auth?: { user: string; pass: string };
  /** TLS on the client port (PEM files); with `ca`, clients must present a certificate it signed. */
  tls?: { cert: string; key: string; ca?: string };
  /** Server pings to clients: how often, and how many unanswered before it drops the client. */
  pingInterval?: string;
  pingMax?: number;
}

/**
 * The config text for one node. Short pings and write deadline: a client whose link
 * died silently is dropped within about a second, so frames stuck in its TCP buffers
 * are discarded instead of delivered late.
 */
export function natsConfig(o: Required<Pick<NatsNodeOptions, 'name' | 'host' | 'port' | 'monitorPort'>> & NatsNodeOptions): string {
  const lines = [
    `server_name: ${o.name}`,
    `listen: "${o.host}:${o.port}"`,
    `http: "${o.host}:${o.monitorPort}"`,
    `ping_interval: "${o.pingInterval ?? '500ms'}"`,
    `ping_max: ${o.pingMax ?? 2}`,
    'write_deadline: "1s"',
  ];
  if (o.auth) lines.push(`authorization { user: "${o.auth.user}", password: "${o.auth.pass}" }`);
  if (o.tls) {
    const ca = o.tls.ca !== undefined ? `, ca_file: "${o.tls.ca}", verify: true` : '';
    lines.push(`tls { cert_file: "${o.tls.cert}", key_file: "${o.tls.key}"${ca} }`);
  }
  if (o.cluster && o.clusterPort !== undefined) {
    lines.push(
      'cluster {',
      `  name: ${o.cluster.name}`,
      `  listen: "${o.host}:${o.clusterPort}"`,
      `  routes: [${o.cluster.routes.map((r) => `"${r}"`).join(', ')}]`,
      '}',
    );
  }
  if (o.leafListen || o.leafRemotes) {
    lines.push('leafnodes {');
    if (o.leafListen && o.leafPort !== undefined) lines.push(`  listen: "${o.host}:${o.leafPort}"`);
    // A leaf retries its hubs every second (the default), so a hub restart is survived.
    // One remote listing every hub: the leaf keeps one connection and fails over among them.
    if (o.leafRemotes) lines.push(`  remotes: [{ urls: [${o.leafRemotes.map((u) => `"${u}"`).join(', ')}] }]`);
    lines.push('}');
  }
  return `${lines.join('\n')}\n`;
}

export class NatsNode {
  readonly name: string;
  readonly host: string;
  readonly port: number;
  readonly monitorPort: number;
  readonly clusterPort: number | undefined;
  readonly leafPort: number | undefined;
  readonly configFile: string;
  readonly netns: string | undefined;
  proc: Proc | null = null;

  constructor(o: NatsNodeOptions & { port: number; monitorPort: number }, dir: string) {
    this.name = o.name;
    this.host = o.host ?? '127.0.0.1';
    this.port = o.port;
    this.monitorPort = o.monitorPort;
    this.clusterPort = o.clusterPort;
    this.leafPort = o.leafPort;
    this.netns = o.netns;
    this.configFile = path.join(dir, `${o.name}.conf`);
    writeFileSync(this.configFile, natsConfig({ ...o, host: this.host }));
  }

  /** Client URL (nats://host:port). */
  get url(): string {
    return `nats://${this.host}:${this.port}`;
  }
  get routeUrl(): string {
    return `nats-route://${this.host}:${this.clusterPort ?? 0}`;
  }
  get leafUrl(): string {
    return `nats-leaf://${this.host}:${this.leafPort ?? 0}`;
  }
  get running(): boolean {
    return this.proc?.running ?? false;
  }

  /** Starts the node and waits until it accepts clients. */
  async start(timeoutMs = 15_000): Promise<void> {
    if (this.running) return;
    this.proc = new Proc(NATS_SERVER_BIN, ['-c', this.configFile], this.netns ? { netns: this.netns } : {});
    await this.proc.waitForLine(/Server is ready/, timeoutMs);
  }

  /** kill -9: no goodbye to clients or routes. */
  async kill(): Promise<void> {
    const p = this.proc;
    if (!p) return;
    p.kill('SIGKILL');
    await p.waitForExit(10_000);
    this.proc = null;
  }

  async restart(): Promise<void> {
    await this.kill();
    await this.start();
  }

  /** GET a monitoring endpoint (varz, connz, routez, subsz?subs=1, leafz) as JSON. */
  async monitor(endpoint: string): Promise<unknown> {
    const url = `http://${this.host.includes(':') ? `[${this.host}]` : this.host}:${this.monitorPort}/${endpoint}`;
    if (!this.netns) {
      const r = await fetch(url, { signal: AbortSignal.timeout(5000) });
      return (await r.json()) as unknown;
    }
    // Inside a namespace the test process cannot reach it: ask from there.
    const text = await new Promise<string>((resolve, reject) => {
      execFile('ip', ['netns', 'exec', this.netns!, 'curl', '-sf', '--max-time', '5', url], { encoding: 'utf8' }, (err, out) => (err ? reject(new Error(`curl ${url} in ${this.netns}: ${err.message}`)) : resolve(out)));
    });
    return JSON.parse(text) as unknown;
  }

  /** Subjects this node's own clients subscribe (one entry per subscription). */
  async subjects(): Promise<string[]> {
    const j = (await this.monitor('subsz?subs=1&limit=100000')) as { subscriptions_list?: { subject: string }[] };
    return (j.subscriptions_list ?? []).map((s) => s.subject);
  }

  /** Subjects other cluster nodes told this one about over routes (their clients' interest). */
  async routedSubjects(): Promise<string[]> {
    const j = (await this.monitor('routez?subs=1')) as { routes?: { subscriptions_list?: string[] }[] };
    return (j.routes ?? []).flatMap((r) => r.subscriptions_list ?? []);
  }

  /** Subjects this node's leaf connections carry interest for (as hub: what its leaves want). */
  async leafSubjects(): Promise<string[]> {
    const j = (await this.monitor('leafz?subs=1')) as { leafs?: { subscriptions_list?: string[] }[] };
    return (j.leafs ?? []).flatMap((l) => l.subscriptions_list ?? []);
  }

  /** Waits until this node has `n` routes up. */
  async waitRoutes(n: number, timeoutMs = 20_000): Promise<void> {
    await pollAsync(async () => ((await this.monitor('routez')) as { num_routes?: number }).num_routes === n, `${this.name} has ${n} routes`, timeoutMs);
  }

  /** Waits until this node has `n` leaf node connections (as hub or as leaf). */
  async waitLeafs(n: number, timeoutMs = 20_000): Promise<void> {
    await pollAsync(async () => ((await this.monitor('leafz')) as { leafnodes?: number }).leafnodes === n, `${this.name} has ${n} leaf connections`, timeoutMs);
  }

  /** Waits until this node has `n` client connections. */
  async waitClients(n: number, timeoutMs = 20_000): Promise<void> {
    await pollAsync(async () => ((await this.monitor('connz')) as { num_connections?: number }).num_connections === n, `${this.name} has ${n} clients`, timeoutMs);
  }
}

/** `eventually` for a probe that may throw (a monitor not up yet): an error counts as "not yet" and is named at the time-out. */
export function pollAsync(probe: () => Promise<boolean>, what: string, timeoutMs = 10_000, everyMs = 100): Promise<void> {
  let last = '';
  const guarded = async (): Promise<boolean> => {
    try {
      return await probe();
    } catch (e) {
      last = e instanceof Error ? e.message : String(e);
      return false;
    }
  };
  return eventually(guarded, () => `${what}${last ? ` (last error: ${last})` : ''}`, timeoutMs, everyMs);
}

let tempRoot: string | null = null;
const nodes = new Set<NatsNode>();

function workDir(): string {
  if (tempRoot === null) {
    const dir = mkdtempSync(path.join(tmpdir(), 'opv-nats-'));
    tempRoot = dir;
    onExit(() => {
      for (const n of nodes) n.proc?.kill('SIGKILL');
      rmSync(dir, { recursive: true, force: true });
    });
  }
  return tempRoot;
}

async function portOr(p: number | undefined): Promise<number> {
  return p ?? (await freeTcpPort());
}

/** A node with its config written (ports chosen), not started. */
export async function natsNode(o: NatsNodeOptions): Promise<NatsNode> {
  const node = new NatsNode(
    {
      ...o,
      port: await portOr(o.port),
      monitorPort: await portOr(o.monitorPort),
      clusterPort: o.cluster ? await portOr(o.clusterPort) : undefined,
      leafPort: o.leafListen ? await portOr(o.leafPort) : undefined,
    },
    workDir(),
  );
  nodes.add(node);
  return node;
}

/**
 * nats-server needs its ports in its config (a cluster's routes name them), so they are
 * picked free beforehand, and another process on the machine (parallel test files) may
 * take one in between: a start that fails with "address already in use" is tried again
 * with fresh ports, after `start` has stopped what it began.
 */
async function withFreshPorts<T>(start: () => Promise<T>, attempts = 3): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await start();
    } catch (e) {
      if (attempt >= attempts || !/address already in use/.test(e instanceof Error ? e.message : String(e))) throw e;
    }
  }
}

/** One standalone node, started. */
export function startNatsNode(o: Partial<NatsNodeOptions> = {}): Promise<NatsNode> {
  return withFreshPorts(async () => {
    const node = await natsNode({ name: 'nats', ...o });
    await node.start().catch(async (e: unknown) => {
      await node.kill();
      throw e;
    });
    return node;
  });
}

export type ClusterNodeSpec = Pick<NatsNodeOptions, 'name' | 'host' | 'netns' | 'port' | 'clusterPort' | 'leafPort' | 'monitorPort'>;

/**
 * A cluster (routes in a full mesh: every node lists every other), each node also
 * accepting leaf nodes; started, and waited for until every route is up.
 */
export function startNatsCluster(specs: ClusterNodeSpec[] | number = 3, common: Partial<NatsNodeOptions> = {}): Promise<NatsNode[]> {
  const list: ClusterNodeSpec[] = typeof specs === 'number' ? Array.from({ length: specs }, (_, i) => ({ name: `hub-${String.fromCharCode(97 + i)}` })) : specs;
  return withFreshPorts(async () => {
    const withPorts = await Promise.all(
      list.map(async (s) => ({ ...s, host: s.host ?? common.host ?? '127.0.0.1', clusterPort: await portOr(s.clusterPort), leafPort: await portOr(s.leafPort) })),
    );
    const out: NatsNode[] = [];
    for (const s of withPorts) {
      const routes = withPorts.filter((o) => o !== s).map((o) => `nats-route://${o.host}:${o.clusterPort}`);
      out.push(await natsNode({ ...common, ...s, cluster: { name: 'opv', routes }, leafListen: true }));
    }
    try {
      await Promise.all(out.map((n) => n.start()));
    } catch (e) {
      await Promise.all(out.map((n) => n.kill()));
      throw e;
    }
    await Promise.all(out.map((n) => n.waitRoutes(out.length - 1)));
    return out;
  });
}

/** A leaf node connected to the given hubs (any of them; it fails over among them); started and connected. */
export async function startNatsLeaf(hubs: NatsNode[], o: Partial<NatsNodeOptions> = {}): Promise<NatsNode> {
  const leaf = await natsNode({ name: 'leaf', ...o, leafRemotes: hubs.map((h) => h.leafUrl) });
  await leaf.start();
  await leaf.waitLeafs(1);
  return leaf;
}
