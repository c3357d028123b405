import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { ServerEvent } from '../../src/contract/stats.js';
import { DEFAULT_SERVER_CONFIG, type ServerConfig } from '../../src/server/config.js';
import { OperatorLog } from '../../src/server/log.js';
import { ConferenceServer } from '../../src/server/server.js';
import { SimStation } from '../helpers/sim-station.js';

/** Generous bounds for what arrives over loopback: a wait ends on the event, never on the bound. */
const WAIT_MS = 10_000;

export type LogLine = Record<string, unknown> & { event: string };

interface Waiter {
  check(): boolean;
  resolve(): void;
}

/**
 * A ConferenceServer in this process: port 0 on loopback (the port read back from the
 * server), a fake clock the test moves, the operator log in JSON captured line by line,
 * and the server's events. Waits resolve on a log line or an event, not after a sleep.
 */
export class InProcessServer {
  readonly lines: LogLine[] = [];
  readonly events: ServerEvent[] = [];
  private waiters: Waiter[] = [];
  private readonly stations: SimStation[] = [];
  private t = Date.UTC(2026, 0, 1);

  readonly server: ConferenceServer;

  private constructor(
    config: ServerConfig,
    readonly stateDir: string,
    private readonly ownsStateDir: boolean,
  ) {
    const log = new OperatorLog('json', false, (l) => {
      this.lines.push(JSON.parse(l) as LogLine);
      this.wake();
    });
    this.server = new ConferenceServer(config, log, () => this.t);
    this.server.on('event', (e) => {
      this.events.push(e);
      this.wake();
    });
  }

  static async start(overrides: Partial<ServerConfig> = {}, stateDir?: string): Promise<InProcessServer> {
    const dir = stateDir ?? mkdtempSync(path.join(tmpdir(), 'opv-inproc-'));
    const config: ServerConfig = {
      ...DEFAULT_SERVER_CONFIG,
      host: '127.0.0.1',
      port: 0,
      statsIntervalS: 0,
      stateDir: dir,
      stats: { ...DEFAULT_SERVER_CONFIG.stats, enabled: false },
      ...overrides,
    };
    const s = new InProcessServer(config, dir, stateDir === undefined);
    await s.server.start();
    return s;
  }

  /** The fake clock, ms since the epoch. */
  get now(): number {
    return this.t;
  }

  advance(ms: number): void {
    this.t += ms;
  }

  /** The UDP port a room actually bound (the main port for MAIN). */
  portOf(room = 'MAIN'): number {
    const p = this.server.rooms.get(room)?.port;
    if (p === null || p === undefined) throw new Error(`room ${room} has no port`);
    return p;
  }

  async station(callsign: string, room = 'MAIN'): Promise<SimStation> {
    const s = new SimStation(callsign, { host: '127.0.0.1', port: this.portOf(room) });
    await s.bound;
    this.stations.push(s);
    return s;
  }

  /** A station that is registered when this returns (its keepalive admitted it). */
  async joined(callsign: string, room = 'MAIN'): Promise<SimStation> {
    const s = await this.station(callsign, room);
    const before = this.count('station_joined', callsign);
    s.control(`KEEPALIVE:${this.t / 1000}`);
    await this.logged('station_joined', callsign, before + 1);
    return s;
  }

  private count(event: string, callsign?: string): number {
    return this.lines.filter((l) => l.event === event && (callsign === undefined || l.callsign === callsign)).length;
  }

  /** Waits for the `n`th log line of `event` (about `callsign`); returns it. */
  async logged(event: string, callsign?: string, n = 1): Promise<LogLine> {
    await this.until(() => this.count(event, callsign) >= n, `log line ${event}${callsign ? ` of ${callsign}` : ''} #${n}`);
    return this.lines.filter((l) => l.event === event && (callsign === undefined || l.callsign === callsign))[n - 1]!;
  }

  async event<T extends ServerEvent['type']>(type: T, pred: (e: Extract<ServerEvent, { type: T }>) => boolean = () => true): Promise<Extract<ServerEvent, { type: T }>> {
    const find = (): Extract<ServerEvent, { type: T }> | undefined => this.events.find((e): e is Extract<ServerEvent, { type: T }> => e.type === type && pred(e as Extract<ServerEvent, { type: T }>));
    await this.until(() => find() !== undefined, `event ${type}`);
    return find()!;
  }

  /** Resolves when `check` holds (re-checked on every log line and event), or fails naming `what`. */
  until(check: () => boolean, what: string): Promise<void> {
    if (check()) return Promise.resolve();
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.waiters = this.waiters.filter((w) => w !== waiter);
        reject(new Error(`timed out waiting for ${what}; log: ${this.lines.map((l) => l.event).join(' ')}`));
      }, WAIT_MS);
      const waiter: Waiter = {
        check,
        resolve: () => {
          clearTimeout(timer);
          resolve();
        },
      };
      this.waiters.push(waiter);
    });
  }

  private wake(): void {
    const ready = this.waiters.filter((w) => w.check());
    this.waiters = this.waiters.filter((w) => !ready.includes(w));
    for (const w of ready) w.resolve();
  }

  /** Closes the stations and the server; the state directory goes too unless `keepState` (or the test gave it). */
  async close(keepState = false): Promise<void> {
    await Promise.all(this.stations.map((s) => s.close()));
    await this.server.close();
    if (this.ownsStateDir && !keepState) rmSync(this.stateDir, { recursive: true, force: true });
  }
}
