/**
 * `opv doctor [CALL] [-i SERVER] [-p PORT] [station flags]`: checks, one line each, what
 * a station needs before it goes on the air — software, sound devices, GPIO, files, and
 * what the server says — with the fix in words. Exit 0 when every required check passes.
 * It takes the station's own flags (and settings file), so the station's command line
 * with `station` replaced by `doctor` checks exactly that station.
 */
import { existsSync } from 'node:fs';
import { readFileSync } from 'node:fs';
import { Command } from 'commander';
import { defaultKeyFile } from '../auth/key-file.js';
import { loadPrivateKey } from '../auth/crypto.js';
import { tryOperatorCallsign } from '../protocol/index.js';
import { flagLayer, stationCommand, type StationFlags } from '../station/cli.js';
import { configFile, DEFAULT_STATION_SETTINGS, mergeSettings } from '../station/settings.js';
import { positiveNumber } from '../util/cli-parse.js';
import { checkCapture, checkPlayback } from './audio.js';
import { exitStatus, formatCheck, skip, summary, type CheckResult } from './check.js';
import { checkKeyFile, checkSettingsFile } from './files.js';
import { checkGpio } from './gpio.js';
import { checkEspeak, checkNode, checkOpus, checkAlsaTools } from './runtime.js';
import { serverChecks } from './server.js';
import { probeServer } from './server-probe.js';

interface DoctorFlags extends StationFlags {
  gpioTest?: boolean;
  wait: number;
}

export function doctorCommand(): Command {
  const station = stationCommand();
  const cmd = new Command('doctor').description("check what a station needs (software, sound devices, GPIO, key, settings, the server's answers); takes the station's flags");
  for (const a of station.registeredArguments) cmd.addArgument(a);
  for (const o of station.options) cmd.addOption(o);
  return cmd
    .option('--gpio-test', 'also ask for a press of the PTT button and wait for it (--ptt-gpio)')
    .option('--wait <seconds>', 'how long to wait for the server to answer', positiveNumber('--wait'), 3)
    .action(async (callsign: string | undefined, flags: DoctorFlags) => {
      const say = (line: string): void => void process.stdout.write(line + '\n');
      const results = await runDoctor(callsign, flags, (r) => say(formatCheck(r)), say);
      say(summary(results));
      process.exitCode = exitStatus(results);
    });
}

/** Runs every check in order, handing each result to `show` as it is known. */
export async function runDoctor(callsign: string | undefined, flags: DoctorFlags, show: (r: CheckResult) => void, say: (line: string) => void): Promise<CheckResult[]> {
  const results: CheckResult[] = [];
  const add = (...rs: CheckResult[]): void => {
    for (const r of rs) {
      results.push(r);
      show(r);
    }
  };
  add(checkNode(), await checkOpus(), await checkAlsaTools());

  const { layer, result } = checkSettingsFile(flags.config ?? configFile(), existsSync);
  add(result);
  const s = mergeSettings(DEFAULT_STATION_SETTINGS, layer, flagLayer(callsign, flags));
  const call = s.callsign === undefined ? null : tryOperatorCallsign(s.callsign);
  if (call !== null && !call.ok) add(skip('callsign', call.error.message));
  const callsign_ = call?.ok ? call.value : null;

  const keyFile = s.key ?? (callsign_ === null ? null : defaultKeyFile(callsign_));
  const keyResult = checkKeyFile(keyFile, s.key !== undefined, callsign_);
  add(keyResult);

  add(...(await checkCapture(s.audioIn ?? DEFAULT_STATION_SETTINGS.audioIn)));
  add(await checkPlayback(s.audioOut ?? DEFAULT_STATION_SETTINGS.audioOut));
  add(await checkEspeak(s.speakChat === true));
  const ptt = s.ptt ?? DEFAULT_STATION_SETTINGS.ptt;
  add(...(await checkGpio({ chip: ptt.gpioChip, ptt: ptt.gpio, led: ptt.led, liveTestMs: flags.gpioTest ? 15_000 : null, say })));

  if (s.server === undefined) {
    add(skip('server', 'none given (-i SERVER, or "server" in the settings file)'));
  } else if (callsign_ === null) {
    add(skip('server', `give your callsign to check ${s.server}: opv doctor CALL -i ${s.server}`));
  } else {
    const port = s.port ?? DEFAULT_STATION_SETTINGS.port;
    // A key that failed its own check is not offered to the server.
    const key = keyFile !== null && keyResult.status !== 'fail' && keyResult.status !== 'skip' ? loadPrivateKey(readFileSync(keyFile, 'utf8')) : null;
    const waitMs = flags.wait * 1000;
    const probe = await probeServer({ host: s.server, port, callsign: callsign_, key, waitMs });
    add(...serverChecks(probe, `${s.server}:${port}`, callsign_, key !== null, waitMs));
  }
  return results;
}
