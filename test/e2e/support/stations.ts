import { withServerKeys } from '../../helpers/interlink-keys.js';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Proc } from '../../helpers/proc.js';
import { opvBin } from '../../helpers/paths.js';
import type { TestContext } from 'node:test';
import { alsaEnv, makeNullAlsaHome } from '../../helpers/alsa.js';
import { DEFAULT_SERVER_PORT } from '../../../src/protocol/index.js';
import { configFile, type SettingsLayer } from '../../../src/station/settings.js';
import { SimStation } from '../../helpers/sim-station.js';
import { boundUdpPorts } from '../../helpers/bound-ports.js';
import { eventually } from '../../helpers/eventually.js';

export interface RunningServer {
  proc: Proc;
  port: number;
  statsPort: number;
}

/**
 * `opv server` on loopback with its UDP and stats ports chosen by the kernel (port 0)
 * and read back from its log, so no port is ever released before the server binds it.
 * With `t`, the server is stopped when that test ends; `env` replaces the environment.
 */
export async function startServer(extra: string[] = [], t?: Pick<TestContext, 'after'>, env?: NodeJS.ProcessEnv): Promise<RunningServer> {
  const proc = new Proc(opvBin, ['server', '-H', '127.0.0.1', '-p', '0', '--stats-port', '0', ...withServerKeys(extra)], { env });
  t?.after(() => proc.stop());
  const ports = await serverPorts(proc);
  await proc.waitForLine(/Server ready for connections/);
  return { proc, ...ports };
}

/** The UDP and stats ports an `opv server` started with port 0 reports in its log. */
export async function serverPorts(proc: Proc, timeoutMs = 10_000): Promise<{ port: number; statsPort: number }> {
  const listening = await proc.waitForLine(/📡 Listening on: \S+:\d+/, timeoutMs);
  const stats = await proc.waitForLine(/📊 Stats channel: http:\/\/\S+:\d+\//, timeoutMs);
  return { port: portIn(listening, /:(\d+)\s*$/), statsPort: portIn(stats, /:(\d+)\//) };
}

function portIn(line: string, re: RegExp): number {
  const m = re.exec(line);
  if (!m) throw new Error(`no port in ${JSON.stringify(line)}`);
  return Number(m[1]);
}

export interface StationProc {
  proc: Proc;
  callsign: string;
  dataDir: string;
  home: string;
  /** The UDP port the station bound (chosen by the kernel unless the test fixed one). */
  listenPort: number;
}

/** The one UDP port `proc` listens on, read back from /proc once it has bound it. */
export async function boundPort(proc: Proc, timeoutMs = 10_000): Promise<number> {
  let ports: number[] = [];
  await eventually(() => (ports = proc.pid === undefined ? [] : boundUdpPorts(proc.pid)).length === 1, () => `${proc.pid ?? '?'} has bound one UDP port (has ${ports.join(', ') || 'none'})`, timeoutMs, 20);
  return ports[0]!;
}

/**
 * `opv station CALL --no-tui` on loopback with a null-ALSA HOME and its own history dir.
 * Its listen port is 0 (the kernel's choice, read back) unless `opts.listenPort` fixes one.
 * With `opts.t`, the station is stopped (BYE, then its sign-off) when that test ends.
 */
export async function startStation(
  callsign: string,
  serverPort: number,
  extra: string[] = [],
  opts: { dataDir?: string; home?: string; host?: string; netns?: string; listenPort?: number; env?: NodeJS.ProcessEnv; settings?: SettingsLayer; t?: Pick<TestContext, 'after'> } = {},
): Promise<StationProc> {
  const home = opts.home ?? makeNullAlsaHome();
  if (opts.settings) writeSettings(home, opts.settings);
  const dataDir = opts.dataDir ?? mkdtempSync(path.join(tmpdir(), `opv-${callsign}-`));
  const fixedPort = opts.listenPort ?? 0;
  const proc = new Proc(
    'node',
    [opvBin, 'station', callsign, '-i', opts.host ?? '127.0.0.1', '-p', String(serverPort), '--listen-port', String(fixedPort), '--data-dir', dataDir, '--no-tui', ...extra],
    { env: { ...alsaEnv(home), XDG_CONFIG_HOME: path.join(home, '.config'), ...opts.env }, netns: opts.netns },
  );
  opts.t?.after(() => proc.stop());
  await proc.waitForLine(new RegExp(`📻 ${callsign} on `), 20_000);
  const listenPort = fixedPort !== 0 ? fixedPort : await boundPort(proc);
  return { proc, callsign, dataDir, home, listenPort };
}

/** Writes `settings` as the station settings file of `home` (its XDG config directory). */
export function writeSettings(home: string, settings: SettingsLayer): void {
  const file = configFile({ XDG_CONFIG_HOME: path.join(home, '.config') });
  mkdirSync(path.dirname(file), { recursive: true });
  writeFileSync(file, JSON.stringify(settings));
}

/**
 * Keepalives every second instead of 2 (the settings file's keepaliveIntervalS, a real
 * setting): a silent server is "no reply", and a server that never echoes is a reference
 * server, after 3 intervals, so tests of those states wait 3 s instead of 6.
 */
export const FAST_KEEPALIVE: SettingsLayer = { keepaliveIntervalS: 1 };

/**
 * A station W whose "server" is a SimStation standing in for a reference server with one
 * other station on it: it relays, never echoes, never answers the extension. Both ports
 * are the kernel's choice (the stand-in learns the station's once it has bound).
 */
export async function stationOnReferenceStandIn(
  callsign: string,
  other: string,
  extra: string[] = [],
  opts: Parameters<typeof startStation>[3] = {},
): Promise<{ station: StationProc; ref: SimStation }> {
  const ref = new SimStation(other, { host: '127.0.0.1', port: 0 });
  await ref.bound;
  const station = await startStation(callsign, ref.port, extra, opts);
  ref.retarget(station.listenPort);
  return { station, ref };
}

/**
 * A station on a namespace host talking to a server on another: both use the standard
 * port, as the reference test plan's separate hosts do.
 */
export function startHostStation(callsign: string, server: { ip: string }, host: { ns: string }, extra: string[] = []): Promise<StationProc> {
  return startStation(callsign, DEFAULT_SERVER_PORT, extra, { host: server.ip, netns: host.ns, listenPort: DEFAULT_SERVER_PORT });
}

/** A SimStation bound to a port of its own, talking to `port`; closed when the test `t` ends. */
export async function boundSim(call: string, port: number, t: Pick<TestContext, 'after'>): Promise<SimStation> {
  const s = new SimStation(call, { host: '127.0.0.1', port });
  await s.bound;
  t.after(() => s.close());
  return s;
}

/** As boundSim, and already registered on `srv` (its keepalive admitted it) when it returns. */
export async function registeredSim(call: string, port: number, srv: RunningServer, t: Pick<TestContext, 'after'>): Promise<SimStation> {
  const s = await boundSim(call, port, t);
  s.control(`KEEPALIVE:${Date.now() / 1000}`);
  await srv.proc.waitForLine(new RegExp(`NEW STATION: ${call} at`));
  return s;
}
