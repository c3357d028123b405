import type { StationSettings } from '../settings.js';
import type { PttController } from './controller.js';
import { GpioError, GpioPtt } from './gpio.js';
import { GpiodButton, GpiodLed } from './gpio-lines.js';
import { resolveLine } from './gpio-resolve.js';
import { detectGpiod, runTool, type ToolRunner } from './gpio-tools.js';

export type GpioReport = (level: 'info' | 'error', message: string) => void;

/**
 * Wires a GPIO PTT button and the TX LED to the station's PTT controller (the same one
 * the keyboard and /ptt use, so the time-out and the refusals hold for the button too)
 * when the settings ask for them. Finding the tools, the chip and the lines takes a
 * moment (it runs gpiodetect, gpiofind or gpioinfo); what was chosen is said (`report`
 * info), and a missing chip, a busy line or missing tools is one line (`report` error),
 * never a failure: keyboard PTT and chat keep working.
 */
export function attachGpio(ctl: PttController, settings: StationSettings, report: GpioReport, run: ToolRunner = runTool): () => void {
  const p = settings.ptt;
  if (p.gpio === null && p.led === null) return () => undefined;
  let closed = false;
  let ptt: GpioPtt | null = null;
  let led: GpiodLed | null = null;
  let detachLed: (() => void) | null = null;
  void (async () => {
    const tools = await detectGpiod(run);
    const chipFlag = p.gpioChip;
    const say = (role: string, r: { chip: string; offset: number; how: string }): string =>
      `GPIO ${role}: ${r.chip} line ${r.offset} (found by ${r.how}; libgpiod ${tools.version} tools)`;
    if (p.gpio !== null) {
      const r = await resolveLine(tools, run, p.gpio, chipFlag, '--ptt-gpio').catch((e: unknown) => fail(e));
      if (r && !closed) {
        const what = `the PTT button (${r.chip} line ${r.offset})`;
        const button = new GpiodButton(
          tools.generation,
          { chip: r.chip, offset: r.offset, activeLow: !p.gpioActiveHigh, bias: p.gpioBias, debounceMs: p.gpioDebounceMs },
          what,
          (m) => report('error', m),
        );
        ptt = new GpioPtt(button, (down) => void ctl.hold(down, 'gpio'), p.gpioDebounceMs);
        ptt.start();
        report('info', `${say('PTT button', r)}, ${p.gpioActiveHigh ? 'active high' : 'pressed to ground'}, bias ${p.gpioBias}`);
      }
    }
    if (p.led !== null) {
      const r = await resolveLine(tools, run, p.led, chipFlag, '--led-gpio').catch((e: unknown) => fail(e));
      if (r && !closed) {
        led = new GpiodLed(tools.generation, r.chip, r.offset, `the TX LED (${r.chip} line ${r.offset})`, (m) => report('error', m));
        detachLed = ctl.attachLed(led);
        report('info', say('TX LED', r));
      }
    }
  })().catch((e: unknown) => fail(e));

  function fail(e: unknown): null {
    if (!closed) report('error', `${e instanceof GpioError ? e.message : String(e)}; PTT stays on the keyboard`);
    return null;
  }

  return () => {
    closed = true;
    ptt?.close();
    detachLed?.();
    led?.close();
  };
}
