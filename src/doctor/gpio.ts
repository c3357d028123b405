/**
 * GPIO push-to-talk and TX LED: the chip is there, libgpiod's tools are installed (and
 * which generation), the lines exist on the chip, and with --gpio-test a live press of
 * the button. Uses the station's own GPIO code (src/station/ptt/gpio.ts).
 */
import { execFile } from 'node:child_process';
import { GpioError, GpioPtt } from '../station/ptt/gpio.js';
import { GpiodButton } from '../station/ptt/gpio-lines.js';
import { resolveLine, type ResolvedLine } from '../station/ptt/gpio-resolve.js';
import { detectGpiod, runTool, type GpiodGeneration } from '../station/ptt/gpio-tools.js';
import { fail, pass, skip, warn, type CheckResult } from './check.js';
import { firstLine } from './runtime.js';

export interface GpioWanted {
  /** null: found by the line's name or the Pi's pinctrl label, as the station does. */
  chip: string | null;
  ptt: number | string | null;
  led: number | string | null;
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
  const gpiod = await detectGpiod(runTool).catch(() => null);
  if (gpiod === null) return [...out, fail('GPIO tools', 'the libgpiod version is not one opv speaks (1.6 or 2.x)', 'sudo apt install gpiod')];
  let pttLine: ResolvedLine | null = null;
  for (const [what, line, flag] of [['PTT line', w.ptt, '--ptt-gpio'], ['LED line', w.led, '--led-gpio']] as const) {
    if (line === null) continue;
    try {
      const r = await resolveLine(gpiod, runTool, line, w.chip, flag);
      if (what === 'PTT line') pttLine = r;
      out.push(pass(what, `${r.chip} line ${r.offset} (found by ${r.how})`));
    } catch (e) {
      out.push(fail(what, e instanceof GpioError ? e.message : firstLine(e), 'check --ptt-gpio/--led-gpio and --gpio-chip (gpiodetect, gpioinfo list them); the user needs the gpio group'));
    }
  }
  if (pttLine !== null && w.liveTestMs !== null) out.push(await liveTest(gpiod.generation, pttLine, w.liveTestMs, w.say));
  return out;
}

/** Waits for one press and release of the PTT button through the station's debounced GPIO PTT. */
async function liveTest(gen: GpiodGeneration, r: ResolvedLine, ms: number, say: (l: string) => void): Promise<CheckResult> {
  say(`  … press and release the PTT button now (waiting ${Math.round(ms / 1000)} s)`);
  let error: string | null = null;
  const seen: boolean[] = [];
  let wake: () => void = () => undefined;
  const woken = new Promise<void>((r) => (wake = r));
  const ptt = new GpioPtt(
    new GpiodButton(gen, { chip: r.chip, offset: r.offset, activeLow: true, bias: 'pull-up', debounceMs: 30 }, 'the PTT button', (m) => {
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
