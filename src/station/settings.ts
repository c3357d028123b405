import { mkdirSync, readFileSync, writeFileSync, existsSync } from 'node:fs';
import { homedir } from 'node:os';
import path from 'node:path';
import { z } from 'zod';
import { DEFAULT_SERVER_PORT, tryEncodeCallsign } from '../protocol/index.js';
import { normaliseRoom, ROOM_NAME_MAX } from '../protocol/ext.js';
import { describeRange, type Range } from '../util/cli-parse.js';
import { describeIssues } from '../util/zod-issue.js';
import { OpvError } from '../errors.js';
import { GPIO_BIASES } from './ptt/gpio-tools.js';
import { configDir } from '../util/xdg.js';

export { configDir };

/**
 * Allowed ranges of the numeric settings: the settings file is checked against these,
 * and the flags that override a key use the same ones (src/station/cli.ts).
 */
export const SETTING_RANGES = {
  port: { min: 1, max: 65535, integer: true },
  listenPort: { min: 0, max: 65535, integer: true },
  jitterFrames: { min: 1, max: 25, integer: true },
  historyMaxEntries: { min: 10, max: 1_000_000, integer: true },
  historyMaxAgeDays: { min: 1, max: 36500, integer: true },
  // The server drops a station after 300 s of silence by default; 0 would be a busy loop.
  keepaliveIntervalS: { min: 1, max: 60, integer: false },
  pttTimeoutS: { min: 1, max: 3600, integer: false },
  gpioLine: { min: 0, max: 1023, integer: true },
  gpioDebounceMs: { min: 0, max: 1000, integer: true },
} as const satisfies Record<string, Range>;

export const PTT_MODES = ['auto', 'toggle', 'hold'] as const;

function ranged(r: Range): z.ZodNumber {
  const error = describeRange(r);
  const n = z.number({ error });
  return (r.integer ? n.int({ error }) : n).min(r.min, { error }).max(r.max, { error });
}

const flag = z.boolean({ error: 'must be true or false' });

const text = z.string({ error: 'must be a non-empty string' }).min(1, { error: 'must be a non-empty string' });

// The protocol's own rules; its message already names the callsign and the fault.
const callsign = text.refine((v) => tryEncodeCallsign(v).ok, {
  error: (iss) => {
    const r = typeof iss.input === 'string' ? tryEncodeCallsign(iss.input) : null;
    return r && !r.ok ? r.error.message : 'is not a callsign';
  },
});

/** The rule for room names, in the words of every error about one. */
export const ROOM_NAME_RULE = `letters, digits and "-" (not first), at most ${ROOM_NAME_MAX} characters`;

/** A room name as typed → its canonical form, or a one-line error naming the rule. */
export function checkRoomName(input: string): { ok: true; room: string } | { ok: false; error: string } {
  const room = normaliseRoom(input);
  return room === null ? { ok: false, error: `room "${input}" is not a room name: ${ROOM_NAME_RULE}` } : { ok: true, room };
}

const room = z
  .string({ error: `must be a room name: ${ROOM_NAME_RULE}` })
  .refine((v) => normaliseRoom(v) !== null, { error: (iss) => `${JSON.stringify(iss.input)} is not a room name: ${ROOM_NAME_RULE}` })
  .transform((v) => normaliseRoom(v)!);

const audioSpec = z.discriminatedUnion(
  'kind',
  [
    z.strictObject({ kind: z.literal('alsa'), device: text.optional() }),
    z.strictObject({ kind: z.literal('wav'), file: text }),
    z.strictObject({ kind: z.literal('none') }),
  ],
  { error: 'must be an object whose "kind" is "alsa", "wav" (with "file") or "none"' },
);

/** A GPIO line by number (offset; on a Pi its GPIO number) or by name ("GPIO23"). */
export const GPIO_LINE_NAME = /^[A-Za-z][A-Za-z0-9_.-]{0,31}$/;
const GPIO_LINE_RULE = `must be a line number (${SETTING_RANGES.gpioLine.min}–${SETTING_RANGES.gpioLine.max}) or a line name such as "GPIO23"`;
const gpioLine = z.union([ranged(SETTING_RANGES.gpioLine), z.string().regex(GPIO_LINE_NAME, { error: GPIO_LINE_RULE })], { error: GPIO_LINE_RULE });

const pttSchema = z.strictObject({
  key: text,
  mode: z.enum(PTT_MODES, { error: `must be one of ${PTT_MODES.join(', ')}` }),
  timeoutS: ranged(SETTING_RANGES.pttTimeoutS),
  gpio: gpioLine.nullable(),
  led: gpioLine.nullable(),
  /** null: found by the line's name or the Pi's pinctrl label (ptt/gpio-resolve.ts). */
  gpioChip: text.nullable(),
  /** The button pulls the line high when pressed (default: to ground, active low). */
  gpioActiveHigh: flag,
  gpioBias: z.enum(GPIO_BIASES, { error: `must be one of ${GPIO_BIASES.join(', ')}` }),
  gpioDebounceMs: ranged(SETTING_RANGES.gpioDebounceMs),
});

/** Everything a station needs to run; the file, then flags, override the defaults. */
export const stationSettingsSchema = z.strictObject({
  callsign,
  server: text,
  port: ranged(SETTING_RANGES.port),
  listenPort: ranged(SETTING_RANGES.listenPort),
  audioIn: audioSpec,
  audioOut: audioSpec,
  /** Jitter buffer target depth, 40 ms frames. */
  jitterFrames: ranged(SETTING_RANGES.jitterFrames),
  historyMaxEntries: ranged(SETTING_RANGES.historyMaxEntries),
  historyMaxAgeDays: ranged(SETTING_RANGES.historyMaxAgeDays),
  /** Where history lives; default under the user's data directory. */
  dataDir: text,
  keepaliveIntervalS: ranged(SETTING_RANGES.keepaliveIntervalS),
  ptt: pttSchema,
  /** Read incoming chat aloud (espeak-ng); see speech/speech-queue.ts. */
  speakChat: flag,
  /** Two short pips when a chat line arrives. */
  chatCue: flag,
  /** A beep when a received transmission ends and the channel is free. */
  courtesyTone: flag,
  /** The station's Ed25519 key (opv keygen): it authenticates to servers that protect its callsign. */
  key: text.optional(),
  /** Per-frame authentication tags when authenticated with a key (docs/EXTENSIONS.md, "Frame tags"). */
  frameTags: z.enum(['on', 'off'], { error: 'must be "on" or "off"' }).optional(),
  /** The room to be in on an opv server with rooms (asked for after each WELCOME); absent: the server's choice. */
  room: room.optional(),
});

/** The settings file: any subset of the settings (and of `ptt`), nothing else. */
export const settingsFileSchema = stationSettingsSchema.extend({ ptt: pttSchema.partial() }).partial();

export type StationSettings = z.infer<typeof stationSettingsSchema>;
export type PttMode = StationSettings['ptt']['mode'];
/** One layer of settings: the file, the flags. */
export type SettingsLayer = z.infer<typeof settingsFileSchema>;

export const DEFAULT_STATION_SETTINGS: Omit<StationSettings, 'callsign' | 'server' | 'dataDir'> = {
  port: DEFAULT_SERVER_PORT,
  listenPort: DEFAULT_SERVER_PORT,
  audioIn: { kind: 'alsa' },
  audioOut: { kind: 'alsa' },
  jitterFrames: 2,
  historyMaxEntries: 5000,
  historyMaxAgeDays: 30,
  keepaliveIntervalS: 2,
  ptt: { key: 'C-t', mode: 'auto', timeoutS: 120, gpio: null, led: null, gpioChip: null, gpioActiveHigh: false, gpioBias: 'pull-up', gpioDebounceMs: 30 },
  speakChat: false,
  chatCue: true,
  courtesyTone: true,
};

export function dataDirFor(callsign: string, env: NodeJS.ProcessEnv = process.env): string {
  return path.join(env.XDG_DATA_HOME || path.join(env.HOME || homedir(), '.local', 'share'), 'opv', callsign);
}

export function configFile(env: NodeJS.ProcessEnv = process.env): string {
  return path.join(configDir(env), 'station.json');
}

export class SettingsError extends OpvError {
  override readonly name = 'SettingsError';
  constructor(message: string, options?: ErrorOptions) {
    super('OPV_SETTINGS', message, options);
  }
}

/**
 * The settings file's contents (any subset of the settings), or {} when there is none.
 * Checked, not cast: a wrong key, type or range is a SettingsError of one line naming
 * the file, the key and what is allowed.
 */
export function loadSettingsFile(file = configFile()): SettingsLayer {
  if (!existsSync(file)) return {};
  let parsed: unknown;
  try {
    parsed = JSON.parse(readFileSync(file, 'utf8'));
  } catch (e) {
    throw new SettingsError(`${file}: ${e instanceof SyntaxError ? `not valid JSON (${e.message})` : (e as Error).message}`);
  }
  if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) throw new SettingsError(`${file}: must be a JSON object of settings`);
  const r = settingsFileSchema.safeParse(parsed, { reportInput: true });
  if (r.success) return r.data;
  throw new SettingsError(`${file}: ${describeIssues(r.error.issues)}`);
}

/** Defaults ← file ← flags (later wins; nested `ptt` merged field by field). */
export function mergeSettings(...layers: SettingsLayer[]): Partial<StationSettings> {
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
