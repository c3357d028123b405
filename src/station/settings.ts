import { mkdirSync, readFileSync, writeFileSync, existsSync } from 'node:fs';
import { homedir } from 'node:os';
import path from 'node:path';
import { DEFAULT_SERVER_PORT } from '../protocol/index.js';

export type PttMode = 'auto' | 'toggle' | 'hold';

/** Everything a station needs to run; the file, then flags, override these defaults. */
export interface StationSettings {
  callsign: string;
  server: string;
  port: number;
  listenPort: number;
  audioIn: { kind: 'alsa'; device?: string } | { kind: 'wav'; file: string } | { kind: 'none' };
  audioOut: { kind: 'alsa'; device?: string } | { kind: 'wav'; file: string } | { kind: 'none' };
  /** Jitter buffer target depth, 40 ms frames. */
  jitterFrames: number;
  historyMaxEntries: number;
  historyMaxAgeDays: number;
  /** Where history lives; default under the user's data directory. */
  dataDir: string;
  keepaliveIntervalS: number;
  ptt: { key: string; mode: PttMode; timeoutS: number; gpio: number | null; led: number | null; gpioChip: string };
}

export const DEFAULT_STATION_SETTINGS: Omit<StationSettings, 'callsign' | 'server' | 'dataDir'> = {
  port: DEFAULT_SERVER_PORT,
  listenPort: DEFAULT_SERVER_PORT,
  audioIn: { kind: 'alsa' },
  audioOut: { kind: 'alsa' },
  jitterFrames: 2,
  historyMaxEntries: 5000,
  historyMaxAgeDays: 30,
  keepaliveIntervalS: 2,
  ptt: { key: 'C-t', mode: 'auto', timeoutS: 120, gpio: null, led: null, gpioChip: 'gpiochip0' },
};

export function configDir(env: NodeJS.ProcessEnv = process.env): string {
  return path.join(env.XDG_CONFIG_HOME || path.join(env.HOME || homedir(), '.config'), 'opv');
}

export function dataDirFor(callsign: string, env: NodeJS.ProcessEnv = process.env): string {
  return path.join(env.XDG_DATA_HOME || path.join(env.HOME || homedir(), '.local', 'share'), 'opv', callsign);
}

export function configFile(env: NodeJS.ProcessEnv = process.env): string {
  return path.join(configDir(env), 'station.json');
}

export class SettingsError extends Error {
  override readonly name = 'SettingsError';
}

/** The config file's contents (any subset of the settings), or {} when there is none. */
export function loadSettingsFile(file = configFile()): Partial<StationSettings> {
  if (!existsSync(file)) return {};
  try {
    const parsed: unknown = JSON.parse(readFileSync(file, 'utf8'));
    if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) throw new Error('not a JSON object');
    return parsed as Partial<StationSettings>;
  } catch (e) {
    throw new SettingsError(`${file}: ${(e as Error).message}`);
  }
}

/** Defaults ← file ← flags (later wins; nested `ptt` merged field by field). */
export function mergeSettings(...layers: Partial<StationSettings>[]): Partial<StationSettings> {
  const out: Partial<StationSettings> = {};
  for (const l of layers) {
    for (const [k, v] of Object.entries(l) as [keyof StationSettings, unknown][]) {
      if (v === undefined) continue;
      if (k === 'ptt') {
        const defined = Object.entries(v as object).filter(([, x]) => x !== undefined);
        out.ptt = { ...(out.ptt ?? DEFAULT_STATION_SETTINGS.ptt), ...Object.fromEntries(defined) };
      }
      else (out as Record<string, unknown>)[k] = v;
    }
  }
  return out;
}

export function saveSettings(s: StationSettings, file = configFile()): string {
  mkdirSync(path.dirname(file), { recursive: true });
  writeFileSync(file, JSON.stringify(s, null, 2) + '\n');
  return file;
}
