import { existsSync, readFileSync, statSync } from 'node:fs';
import { defaultKeyFile } from '../auth/key-file.js';
import { loadPrivateKey } from '../auth/crypto.js';
import { Command, InvalidArgumentError, Option } from 'commander';
import { tryOperatorCallsign } from '../protocol/index.js';
import { addDebugOptions, debugLog, setupDebugLog } from '../util/debug-log.js';
import { listAudioDevices } from '../audio/index.js';
import { inRange, oneOf } from '../util/cli-parse.js';
import type { StationCore } from './commands/core.js';
import { attachGpio } from './ptt/attach.js';
import { checkPttKey } from './ptt/keys.js';
import { attachDiagnostics } from './diagnostics.js';
import { callsignForPath } from './exports.js';
import { LineInterface } from './line.js';
import { controlSocketFor, openLineIO, underJournald } from './control/line-io.js';
import { controlSocketPath } from './control/socket-path.js';
import { attachTarget, runAttach } from './control/attach-client.js';
import type { Notice } from './types.js';
import {
  DEFAULT_STATION_SETTINGS,
  PTT_MODES,
  configFile,
  dataDirFor,
  loadSettingsFile,
  mergeSettings,
  saveSettings,
  SettingsError,
  SETTING_RANGES as R,
  checkRoomName,
  type PttMode,
  type SettingsLayer,
  type StationSettings,
  GPIO_LINE_NAME,
} from './settings.js';
import { GPIO_BIASES, type GpioBias } from './ptt/gpio-tools.js';

export interface StationFlags {
  ip?: string;
  port?: number;
  listenPort?: number;
  audioIn?: string;
  audioOut?: string;
  audioInDevice?: string;
  audioOutDevice?: string;
  audio: boolean;
  listAudio?: boolean;
  tui: boolean;
  jitter?: number;
  historyMax?: number;
  historyDays?: number;
  dataDir?: string;
  config?: string;
  saveConfig?: boolean;
  pttKey?: string;
  pttMode?: PttMode;
  pttTimeout?: number;
  pttGpio?: number | string;
  ledGpio?: number | string;
  gpioChip?: string;
  pttActiveHigh?: boolean;
  gpioBias?: GpioBias;
  gpioDebounce?: number;
  speakChat?: boolean;
  chatCue?: boolean;
  courtesyTone?: boolean;
  debug?: boolean | string;
  debugFile?: string;
  key?: string;
  frameTags?: 'on' | 'off';
  room?: string;
  controlSocket?: string | boolean;
  attach?: boolean;
}

const log = debugLog('station');

function callsignArg(v: string): string {
  const r = tryOperatorCallsign(v);
  if (!r.ok) throw new InvalidArgumentError(r.error.message);
  return r.value;
}

function frameTagsArg(v: string): 'on' | 'off' {
  if (v !== 'on' && v !== 'off') throw new InvalidArgumentError('must be on or off');
  return v;
}

function roomArg(v: string): string {
  const r = checkRoomName(v);
  if (!r.ok) throw new InvalidArgumentError(r.error);
  return r.room;
}

/** `--ptt-gpio 23` (an offset; on a Pi the GPIO number) or `--ptt-gpio GPIO23` (a line name). */
function gpioLineArg(name: string): (v: string) => number | string {
  const asNumber = inRange(name, R.gpioLine);
  return (v: string) => {
    if (/^\d+$/.test(v)) return asNumber(v);
    if (GPIO_LINE_NAME.test(v)) return v;
    throw new InvalidArgumentError(`${name} must be a line number (${R.gpioLine.min}–${R.gpioLine.max}) or a line name such as GPIO23, got "${v}"`);
  };
}

function pttKeyArg(v: string): string {
  const r = checkPttKey(v);
  if (!r.ok) throw new InvalidArgumentError(r.error);
  return r.key;
}

/** Things found while resolving settings that the interface shows when it opens. */
const settingsNotices: Notice[] = [];

export function stationCommand(): Command {
  return addDebugOptions(new Command('station'), 'station', 'stderr in line mode, ~/.local/state/opv/station-debug.log in the full-screen UI')
    .description('run an Opulent Voice station: chat, push-to-talk voice, history')
    .argument('[callsign]', 'your callsign (A-Z, 0-9, -, /, .; at least one letter or digit; up to 9 characters)', callsignArg)
    .option('-i, --ip <server>', 'conference server address or hostname (IPv4/IPv6)')
    .option('-p, --port <port>', 'server UDP port', inRange('--port', R.port))
    .option('--room <name>', 'the room to be in on an opv server with rooms (letters, digits, -; switch with /room)', roomArg)
    .option('--listen-port <port>', 'UDP port this station sends from and listens on', inRange('--listen-port', R.listenPort))
    .option('--audio-in <file.wav>', 'use a 48 kHz mono WAV file as the microphone (played while PTT is held)')
    .option('--audio-out <file.wav>', 'record what the station plays into a WAV file instead of the sound card')
    .option('--audio-in-device <alsa>', 'ALSA capture device (see --list-audio)')
    .option('--audio-out-device <alsa>', 'ALSA playback device (see --list-audio)')
    .option('--no-audio', 'no sound card: chat, and voice kept in history (a file given with --audio-in/--audio-out still works)')
    .option('--list-audio', 'list ALSA devices and exit')
    .option('--no-tui', 'plain line mode (automatic without a terminal)')
    .option('--jitter <frames>', 'jitter buffer target in 40 ms frames', inRange('--jitter', R.jitterFrames))
    .option('--history-max <entries>', 'history entries kept', inRange('--history-max', R.historyMaxEntries))
    .option('--history-days <days>', 'history kept this many days', inRange('--history-days', R.historyMaxAgeDays))
    .option('--data-dir <dir>', 'history directory (default ~/.local/share/opv/CALLSIGN)')
    .option('--config <file>', `settings file (default ${configFile()})`)
    .option('--save-config', 'write the effective settings to the settings file and exit')
    .option('--ptt-key <key>', 'push-to-talk key in the full-screen UI: Ctrl+letter (default C-t) or F3–F12', pttKeyArg)
    .addOption(new Option('--ptt-mode <mode>', 'auto (hold where the terminal can), toggle or hold').argParser(oneOf('--ptt-mode', PTT_MODES)))
    .option('--ptt-timeout <seconds>', 'end a transmission left on this long', inRange('--ptt-timeout', R.pttTimeoutS))
    .option('--ptt-gpio <line>', 'GPIO line of a push-to-talk button: a number (Raspberry Pi: 23) or a name (GPIO23)', gpioLineArg('--ptt-gpio'))
    .option('--led-gpio <line>', 'GPIO line of a TX LED: a number (Raspberry Pi: 17) or a name (GPIO17)', gpioLineArg('--led-gpio'))
    .option('--gpio-chip <chip>', 'GPIO chip of --ptt-gpio/--led-gpio (default: found by the line name or the Pi\'s pinctrl chip)')
    .option('--ptt-active-high', 'the PTT button pulls the line high when pressed (default: to ground)')
    .addOption(new Option('--gpio-bias <bias>', 'bias of the PTT line: pull-up (default), pull-down, disabled, as-is').argParser(oneOf('--gpio-bias', GPIO_BIASES)))
    .option('--gpio-debounce <ms>', 'PTT button debounce in ms (default 30)', inRange('--gpio-debounce', R.gpioDebounceMs))
    .option('--speak-chat', 'read incoming chat aloud with espeak-ng ("Whiskey One Alpha Bravo Charlie says: …")')
    .option('--no-speak-chat', 'do not read chat aloud (overrides the settings file)')
    .option('--chat-cue', 'two short pips when a chat line arrives (default on)')
    .option('--no-chat-cue', 'no chat pips')
    .option('--courtesy-tone', 'a 1000 Hz beep when a received transmission ends (default on)')
    .option('--no-courtesy-tone', 'no end-of-transmission beep')
    .option('--frame-tags <on|off>', 'per-frame authentication tags when authenticating with a key (default on)', frameTagsArg)
    .option('--key <file>', 'Ed25519 key to authenticate with (opv keygen; default ~/.config/opv/keys/CALL.pem when it exists)')
    .option('--control-socket [path]', `line mode: open a local control socket that --attach joins (default ${controlSocketPath('CALL')})`)
    .option('--attach', 'join the station CALL already running on this machine (a service) through its control socket: read and send chat, /history…')
    .action(async (callsign: string | undefined, flags: StationFlags) => {
      if (flags.listAudio) {
        const d = await listAudioDevices();
        process.stdout.write(`Capture devices:\n${d.inputs.map((x) => `  ${x}`).join('\n') || '  (none)'}\nPlayback devices:\n${d.outputs.map((x) => `  ${x}`).join('\n') || '  (none)'}\n`);
        return;
      }
      if (flags.attach) {
        process.exitCode = await runAttach(attachTarget(callsign, flags));
        return;
      }
      const settings = resolveSettings(callsign, flags);
      if (flags.saveConfig) {
        const { dataDir: _omit, ...keep } = settings;
        void _omit;
        process.stdout.write(`settings written to ${saveSettings(keep as StationSettings, flags.config ?? configFile())}\n`);
        return;
      }
      const fullScreen = flags.tui && process.stdout.isTTY === true && process.stdin.isTTY === true;
      const logTo = setupDebugLog({ debug: flags.debug, file: flags.debugFile, fullScreen, app: 'station' });
      if (logTo && logTo !== 'stderr') settingsNotices.push({ level: 'info', text: `diagnostic log: ${logTo}` });
      log('settings %o', { ...settings, callsign: settings.callsign });
      await runStation(settings, flags.tui, logTo, controlSocketFor(flags.controlSocket, settings.callsign));
    });
}

/** A file or device named on the command line wins over --no-audio, which means "no sound card". */
function audioSpec(file: string | undefined, device: string | undefined, audio: boolean): StationSettings['audioIn'] | undefined {
  if (file) return { kind: 'wav', file };
  if (device) return { kind: 'alsa', device };
  return audio ? undefined : { kind: 'none' };
}

/** The settings the flags set (undefined: not given), a layer over the settings file's. */
export function flagLayer(callsign: string | undefined, f: StationFlags): SettingsLayer {
  return {
    callsign,
    server: f.ip,
    port: f.port,
    listenPort: f.listenPort,
    audioIn: audioSpec(f.audioIn, f.audioInDevice, f.audio),
    audioOut: audioSpec(f.audioOut, f.audioOutDevice, f.audio),
    jitterFrames: f.jitter,
    historyMaxEntries: f.historyMax,
    historyMaxAgeDays: f.historyDays,
    dataDir: f.dataDir,
    ptt: {
      key: f.pttKey,
      mode: f.pttMode,
      timeoutS: f.pttTimeout,
      gpio: f.pttGpio,
      led: f.ledGpio,
      gpioChip: f.gpioChip,
      gpioActiveHigh: f.pttActiveHigh,
      gpioBias: f.gpioBias,
      gpioDebounceMs: f.gpioDebounce,
    },
    speakChat: f.speakChat,
    chatCue: f.chatCue,
    courtesyTone: f.courtesyTone,
    key: f.key,
    frameTags: f.frameTags,
    room: f.room,
  };
}

export function resolveSettings(callsign: string | undefined, f: StationFlags): StationSettings {
  // A settings file the operator named must be there (--save-config is what creates one).
  if (f.config !== undefined && f.saveConfig !== true) requireFile(f.config, '--config');
  const file = loadSettingsFile(f.config ?? configFile());
  const merged = mergeSettings(DEFAULT_STATION_SETTINGS, file, flagLayer(callsign, f));
  if (!merged.callsign) throw new SettingsError('a callsign is required: opv station W1ABC -i <server>');
  const call = tryOperatorCallsign(String(merged.callsign));
  if (!call.ok) throw new SettingsError(call.error.message);
  if (!merged.server) throw new SettingsError('a server is required: opv station W1ABC -i <server> (or "server" in the settings file)');
  merged.callsign = call.value;
  // A callsign may contain "/" (W1ABC/P): never a directory separator in a path.
  merged.dataDir ??= dataDirFor(callsignForPath(merged.callsign));
  if (merged.key !== undefined) {
    requireFile(merged.key, f.key ? '--key' : 'key in the settings file');
  } else {
    const dflt = defaultKeyFile(merged.callsign);
    if (existsSync(dflt)) merged.key = dflt;
  }
  if (merged.key !== undefined) checkKey(merged.key);
  if (merged.audioIn?.kind === 'wav') requireFile(merged.audioIn.file, f.audioIn ? '--audio-in' : 'audioIn.file in the settings file');
  if (merged.ptt) merged.ptt = { ...merged.ptt, key: resolvePttKey(merged.ptt.key, f.pttKey !== undefined) };
  return merged as StationSettings;
}

/** A key that cannot be used is a one-line error at start, not a failure later. */
function checkKey(file: string): void {
  try {
    loadPrivateKey(readFileSync(file, 'utf8'));
  } catch (e) {
    throw new SettingsError(`key ${file}: ${keyFileProblem(e)}`);
  }
}

/** Why a key file cannot be used, in words (OpenSSL's decoder codes mean nothing to an operator). */
export function keyFileProblem(e: unknown): string {
  const err = e as NodeJS.ErrnoException;
  if (err.code === 'ENOENT') return 'no such file';
  if (err.code === 'EACCES') return 'not readable by this user';
  if (err.code === 'EISDIR') return 'is a directory, not a key file';
  if (typeof err.code === 'string' && err.code.startsWith('ERR_OSSL')) {
    return 'not a readable private key (damaged, or not the PEM file `opv keygen` writes, which begins "-----BEGIN PRIVATE KEY-----")';
  }
  return (err.message ?? String(e)).split('\n')[0] ?? 'unreadable';
}

/** A file the operator named must be there: a one-line error now, not a notice later. */
function requireFile(file: string, what: string): void {
  let isFile = false;
  try {
    isFile = statSync(file).isFile();
  } catch {
    throw new SettingsError(`${what} ${file}: no such file`);
  }
  if (!isFile) throw new SettingsError(`${what} ${file}: not a file`);
}

function resolvePttKey(key: string, fromFlag: boolean): string {
  const r = checkPttKey(key);
  if (r.ok) return r.key;
  // Earlier versions saved "space" (which never worked) as the default: use the key
  // that does, and say so, rather than refusing to start from an old settings file.
  if (!fromFlag && /^space$/i.test(key)) {
    settingsNotices.push({ level: 'warn', text: 'settings file: PTT key "space" cannot work in the chat line; using C-t (--save-config updates the file)' });
    return 'C-t';
  }
  throw new SettingsError(fromFlag ? r.error : `settings file: ${r.error}`);
}

/** Runs until the operator quits; the full-screen UI when there is a terminal, else line mode. */
export async function runStation(settings: StationSettings, tui: boolean, debugLogTo: string | null = null, controlSocket: string | null = null): Promise<void> {
  // Loaded here, not above: the engine brings the Opus addon, which `--help` must not need.
  const { createStation } = await import('./engine.js');
  const engine = await createStation(settings);
  engine.startupNotices.push(...settingsNotices.splice(0));
  const detachDiagnostics = attachDiagnostics(engine);
  // The faces reach the station through this one command layer (commands/core.ts).
  const { StationCore } = await import('./commands/core.js');
  const core = new StationCore(engine);
  // Problems found while attaching are shown by the interface when it opens; later ones live.
  let attached = false;
  const detachGpio = attachGpio(core.ptt, settings, (level, m) =>
    attached ? engine.emitNotice(level, m) : engine.startupNotices.push({ level, text: m }),
  );
  attached = true;
  try {
    await runInterface(core, settings, tui, debugLogTo, controlSocket);
  } finally {
    detachGpio();
    detachDiagnostics();
  }
}

async function runInterface(core: StationCore, settings: StationSettings, tui: boolean, debugLogTo: string | null, controlSocket: string | null): Promise<void> {
  const useTui = tui && process.stdout.isTTY === true && process.stdin.isTTY === true;
  if (useTui) {
    if (controlSocket !== null) core.view.startupNotices.push({ level: 'warn', text: '--control-socket works in line mode (--no-tui, or as a service): not opened' });
    // The same engine under either interface.
    const { runTui } = await import('./tui/index.js');
    await runTui(core, settings, { debugLog: debugLogTo });
    return;
  }
  // A service (journald, attached sessions) gets line mode through the control module's streams.
  const io = controlSocket !== null || underJournald() ? await openLineIO(core.view, process.stdin, { controlSocket }) : null;
  const line = new LineInterface(core, io?.input ?? process.stdin, io?.output ?? process.stdout);
  // A dropped SSH session is SIGHUP: the station signs off (BYE) as on SIGTERM, instead of dying silently.
  const unwatch = line.exit.watchSignals();
  try {
    await line.run();
  } finally {
    unwatch();
    io?.close();
  }
}
