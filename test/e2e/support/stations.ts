import { withServerKeys } from '../../helpers/interlink-keys.js';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Proc } from '../../helpers/proc.js';
import { opvBin, freeUdpPort, freeTcpPort } from '../../helpers/paths.js';
import { alsaEnv, makeNullAlsaHome } from '../../helpers/alsa.js';
import { DEFAULT_SERVER_PORT } from '../../../src/protocol/index.js';
import { SimStation } from '../../helpers/sim-station.js';

export interface RunningServer {
  proc: Proc;
  port: number;
  statsPort: number;
}

export async function startServer(extra: string[] = []): Promise<RunningServer> {
  const port = await freeUdpPort();
  const statsPort = await freeTcpPort();
  const proc = new Proc(opvBin, ['server', '-H', '127.0.0.1', '-p', String(port), '--stats-port', String(statsPort), ...withServerKeys(extra)]);
  await proc.waitForLine(/Server ready for connections/);
  return { proc, port, statsPort };
}

export interface StationProc {
  proc: Proc;
  callsign: string;
  dataDir: string;
  home: string;
  listenPort: number;
}

/** `opv station CALL --no-tui` on loopback with a null-ALSA HOME and its own history dir. */
export async function startStation(
  callsign: string,
  serverPort: number,
  extra: string[] = [],
  opts: { dataDir?: string; home?: string; host?: string; netns?: string; listenPort?: number; env?: NodeJS.ProcessEnv } = {},
): Promise<StationProc> {
  const home = opts.home ?? makeNullAlsaHome();
  const dataDir = opts.dataDir ?? mkdtempSync(path.join(tmpdir(), `opv-${callsign}-`));
  const listenPort = opts.listenPort ?? (await freeUdpPort());
  const proc = new Proc(
    'node',
    [opvBin, 'station', callsign, '-i', opts.host ?? '127.0.0.1', '-p', String(serverPort), '--listen-port', String(listenPort), '--data-dir', dataDir, '--no-tui', ...extra],
    { env: { ...alsaEnv(home), XDG_CONFIG_HOME: path.join(home, '.config'), ...opts.env }, netns: opts.netns },
  );
  await proc.waitForLine(new RegExp(`📻 ${callsign} on `));
  return { proc, callsign, dataDir, home, listenPort };
}

/**
 * A station on a namespace host talking to a server on another: both use the standard
 * port, as the reference test plan's separate hosts do.
 */
export function startHostStation(callsign: string, server: { ip: string }, host: { ns: string }, extra: string[] = []): Promise<StationProc> {
  return startStation(callsign, DEFAULT_SERVER_PORT, extra, { host: server.ip, netns: host.ns, listenPort: DEFAULT_SERVER_PORT });
}

/**
 * A SimStation on `port` of `srv`, already registered there (its keepalive admitted it)
 * when it returns; `cleanups` gets its close.
 */
export async function registeredSim(call: string, port: number, srv: RunningServer, cleanups: (() => unknown)[]): Promise<SimStation> {
  const s = new SimStation(call, { host: '127.0.0.1', port });
  await s.bound;
  cleanups.push(() => s.close());
  s.control(`KEEPALIVE:${Date.now() / 1000}`);
  await srv.proc.waitForLine(new RegExp(`NEW STATION: ${call} at`));
  return s;
}
