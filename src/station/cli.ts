import { Command, InvalidArgumentError, Option } from 'commander';
import { normaliseCallsign, tryEncodeCallsign } from '../protocol/index.js';
import { listAudioDevices } from '../audio/index.js';
import { inRange, oneOf } from '../util/cli-parse.js';
import type { StationEngine } from './engine.js';
import { attachGpio } from './ptt/attach.js';
import { LineInterface } from './line.js';
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
  type PttMode,
  type StationSettings,
} from './settings.js';

interface StationFlags {
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
  pttGpio?: number;
  ledGpio?: number;
  gpioChip?: string;
  speakChat?: boolean;
  chatCue?: boolean;
  courtesyTone?: boolean;
}

function callsignArg(v: string): string {
  const r = tryEncodeCallsign(v);
  if (!r.ok) throw new InvalidArgumentError(r.error.message);
  return normaliseCallsign(v);
}

export function stationCommand(): Command {
  return new Command('station')
    .description('run an Opulent Voice station: chat, push-to-talk voice, history')
    .argument('[callsign]', 'your callsign (A-Z, 0-9, -, /, .; up to 9 characters)', callsignArg)
    .option('-i, --ip <server>', 'conference server address or hostname (IPv4/IPv6)')
    .option('-p, --port <port>', 'server UDP port', inRange('--port', R.port))
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
    .option('--ptt-key <key>', 'push-to-talk key in the full-screen UI')
    .addOption(new Option('--ptt-mode <mode>', 'auto (hold where the terminal can), toggle or hold').argParser(oneOf('--ptt-mode', PTT_MODES)))
    .option('--ptt-timeout <seconds>', 'end a transmission left on this long', inRange('--ptt-timeout', R.pttTimeoutS))
    .option('--ptt-gpio <line>', 'GPIO line of a push-to-talk button (Raspberry Pi: 23)', inRange('--ptt-gpio', R.gpioLine))
    .option('--led-gpio <line>', 'GPIO line of a TX LED (Raspberry Pi: 17)', inRange('--led-gpio', R.gpioLine))
    .option('--gpio-chip <chip>', 'GPIO chip for --ptt-gpio/--led-gpio', undefined)
    .option('--speak-chat', 'read incoming chat aloud with espeak-ng ("Whiskey One Alpha Bravo Charlie says: …")')
    .option('--no-speak-chat', 'do not read chat aloud (overrides the settings file)')
    .option('--chat-cue', 'two short pips when a chat line arrives (default on)')
    .option('--no-chat-cue', 'no chat pips')
    .option('--courtesy-tone', 'a 1000 Hz beep when a received transmission ends (default on)')
    .option('--no-courtesy-tone', 'no end-of-transmission beep')
    .action(async (callsign: string | undefined, flags: StationFlags) => {
      if (flags.listAudio) {
        const d = await listAudioDevices();
        process.stdout.write(`Capture devices:\n${d.inputs.map((x) => `  ${x}`).join('\n') || '  (none)'}\nPlayback devices:\n${d.outputs.map((x) => `  ${x}`).join('\n') || '  (none)'}\n`);
        return;
      }
      const settings = resolveSettings(callsign, flags);
      if (flags.saveConfig) {
        const { dataDir: _omit, ...keep } = settings;
        void _omit;
        process.stdout.write(`settings written to ${saveSettings(keep as StationSettings, flags.config ?? configFile())}\n`);
        return;
      }
      await runStation(settings, flags.tui);
    });
}

/** A file or device named on the command line wins over --no-audio, which means "no sound card". */
function audioSpec(file: string | undefined, device: string | undefined, audio: boolean): StationSettings['audioIn'] | undefined {
  if (file) return { kind: 'wav', file };
  if (device) return { kind: 'alsa', device };
  return audio ? undefined : { kind: 'none' };
}

export function resolveSettings(callsign: string | undefined, f: StationFlags): StationSettings {
  const file = loadSettingsFile(f.config ?? configFile());
  const audioIn = audioSpec(f.audioIn, f.audioInDevice, f.audio);
  const audioOut = audioSpec(f.audioOut, f.audioOutDevice, f.audio);
  const merged = mergeSettings(DEFAULT_STATION_SETTINGS, file, {
    callsign,
    server: f.ip,
    port: f.port,
    listenPort: f.listenPort,
    audioIn,
    audioOut,
    jitterFrames: f.jitter,
    historyMaxEntries: f.historyMax,
    historyMaxAgeDays: f.historyDays,
    dataDir: f.dataDir,
    ptt: { key: f.pttKey, mode: f.pttMode, timeoutS: f.pttTimeout, gpio: f.pttGpio, led: f.ledGpio, gpioChip: f.gpioChip },
    speakChat: f.speakChat,
    chatCue: f.chatCue,
    courtesyTone: f.courtesyTone,
  });
  if (!merged.callsign) throw new SettingsError('a callsign is required: opv station W1ABC -i <server>');
  const call = tryEncodeCallsign(merged.callsign);
  if (!call.ok) throw new SettingsError(call.error.message);
  if (!merged.server) throw new SettingsError('a server is required: opv station W1ABC -i <server> (or "server" in the settings file)');
  merged.callsign = normaliseCallsign(merged.callsign);
  merged.dataDir ??= dataDirFor(merged.callsign);
  return merged as StationSettings;
}

/** Runs until the operator quits; the full-screen UI when there is a terminal, else line mode. */
export async function runStation(settings: StationSettings, tui: boolean): Promise<void> {
  // Loaded here, not above: the engine brings the Opus addon, which `--help` must not need.
  const { createStation } = await import('./engine.js');
  const engine = await createStation(settings);
  // Problems found while attaching are shown by the interface when it opens; later ones live.
  let attached = false;
  const detachGpio = attachGpio(engine, settings, (m) =>
    attached ? engine.emitNotice('error', m) : engine.startupNotices.push({ level: 'error', text: m }),
  );
  attached = true;
  try {
    await runInterface(engine, settings, tui);
  } finally {
    detachGpio();
  }
}

async function runInterface(engine: StationEngine, settings: StationSettings, tui: boolean): Promise<void> {
  const useTui = tui && process.stdout.isTTY === true && process.stdin.isTTY === true;
  if (useTui) {
    // The same engine under either interface.
    const { runTui } = await import('./tui/index.js');
    await runTui(engine, settings);
    return;
  }
  const line = new LineInterface(engine, process.stdin, process.stdout);
  const onSignal = (): void => void line.quit();
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  await line.run();
  process.off('SIGINT', onSignal);
  process.off('SIGTERM', onSignal);
}
