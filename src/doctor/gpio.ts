/**
 * GPIO push-to-talk and TX LED: the chip is there, libgpiod's tools are installed (and
 * which generation), the lines exist on the chip, and with --gpio-test a live press of
 * the button. Uses the station's own GPIO code (src/station/ptt/gpio.ts).
 */
import { execFile } from 'node:child_process';
import { checkGpioChip, GpiomonButton, GpioPtt } from '../station/ptt/gpio.js';
import { fail, pass, skip, warn, type CheckResult } from './check.js';
import { firstLine } from './runtime.js';

export interface GpioWanted {
  chip: string;
  ptt: number | null;
  led: number | null;
  /** Ask the operator to press the button, and wait this long (ms) for it; null: no live test. */
  liveTestMs: number | null;
  /** Where the live test's prompt goes. */
  say: (line: string) => void;
}

function run(cmd: string, args: string[]): Promise<{ ok: boolean; out: string; err: string }> {
  return new Promise((resolve) => {
    execFile(cmd, args, { timeout: 5000 }, (e, out, err) => resolve({ ok: e === null, out: String(out), err: e && (e as NodeJS.ErrnoException).code === 'ENOENT' ? `${cmd} not found` : String(err) }));
  });
}

export async function checkGpio(w: GpioWanted): Promise<CheckResult[]> {
  if (w.ptt === null && w.led === null) return [skip('GPIO', 'no --ptt-gpio or --led-gpio (keyboard PTT)')];
  const out: CheckResult[] = [];
  const tools = await run('gpiomon', ['--version']);
  const version = /v?(\d+)\.(\d+)(?:\.(\d+))?/.exec(tools.out);
  if (!tools.ok || version === null) {
    return [fail('GPIO tools', `gpiomon does not run: ${firstLine(tools.err) || 'no version'}`, 'sudo apt install gpiod')];
  }
  out.push(pass('GPIO tools', `libgpiod ${version[0].replace(/^v/, '')} (the ${version[1] === '1' ? '1.x' : '2.x'} command-line grammar)`));
  try {
    checkGpioChip(w.chip);
  } catch (e) {
    return [...out, fail(`GPIO chip ${w.chip}`, firstLine(e), 'give the chip with --gpio-chip (gpiodetect lists them); the user needs the gpio group')];
  }
  const detect = await run('gpiodetect', []);
  const chipLine = detect.out.split('\n').find((l) => l.startsWith(w.chip.replace(/^\/dev\//, '') + ' '));
  const lines = chipLine ? Number(/\((\d+) lines\)/.exec(chipLine)?.[1]) : NaN;
  out.push(pass(`GPIO chip ${w.chip}`, chipLine ? chipLine.trim() : 'present'));
  for (const [what, line] of [['PTT line', w.ptt], ['LED line', w.led]] as const) {
    if (line === null) continue;
    if (Number.isFinite(lines) && line >= lines) out.push(fail(what, `line ${line} is not on ${w.chip} (it has ${lines} lines)`, 'check --ptt-gpio/--led-gpio and --gpio-chip'));
    else out.push(pass(what, `line ${line} on ${w.chip}`));
  }
  if (w.ptt !== null && w.liveTestMs !== null) out.push(await liveTest(w.chip, w.ptt, w.liveTestMs, w.say));
  return out;
}

/** Waits for one press and release of the PTT button through the station's debounced GPIO PTT. */
async function liveTest(chip: string, line: number, ms: number, say: (l: string) => void): Promise<CheckResult> {
  say(`  … press and release the PTT button now (waiting ${Math.round(ms / 1000)} s)`);
  let error: string | null = null;
  const seen: boolean[] = [];
  let wake: () => void = () => undefined;
  const woken = new Promise<void>((r) => (wake = r));
  const ptt = new GpioPtt(
    new GpiomonButton(chip, line, (m) => {
      error = m;
      wake();
    }),
    (on) => {
      seen.push(on);
      if (!on) wake();
    },
  );
  ptt.start();
  const timer = setTimeout(wake, ms);
  await woken;
  clearTimeout(timer);
  ptt.close();
  if (error !== null) return fail('PTT button', error, 'check the line number and that nothing else holds the line (gpioinfo)');
  if (seen.includes(true) && seen.includes(false)) return pass('PTT button', 'pressed and released: PTT works');
  if (seen.includes(true)) return warn('PTT button', 'pressed but never released (or the line reads pressed at rest)', 'an active-high button needs the other polarity; check the wiring');
  return fail('PTT button', `no press seen in ${Math.round(ms / 1000)} s`, 'check the wiring (button between the line and ground) and the line number');
}
