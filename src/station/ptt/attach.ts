import type { StationEngine } from '../engine.js';
import type { StationSettings } from '../settings.js';
import { checkGpioChip, GpioError, GpiomonButton, GpioPtt, GpiosetLed, type LineSink } from './gpio.js';

/**
 * Wires GPIO PTT and the TX LED to an engine when the settings ask for them. A missing
 * chip is a notice (`report`), never a failure: keyboard PTT and chat keep working.
 */
export function attachGpio(engine: StationEngine, settings: StationSettings, report: (message: string) => void): () => void {
  const { gpio, led, gpioChip } = settings.ptt;
  if (gpio === null && led === null) return () => undefined;
  try {
    checkGpioChip(gpioChip);
  } catch (e) {
    report(e instanceof GpioError ? e.message : String(e));
    return () => undefined;
  }
  let ptt: GpioPtt | null = null;
  let sink: LineSink | null = null;
  if (gpio !== null) {
    ptt = new GpioPtt(new GpiomonButton(gpioChip, gpio, report), (on) => engine.setPtt(on));
    ptt.start();
  }
  if (led !== null) {
    const l = new GpiosetLed(gpioChip, led);
    sink = l;
    l.set(false);
    engine.on('tx', (t) => l.set(t.active));
  }
  return () => {
    ptt?.close();
    sink?.set(false);
    sink?.close();
  };
}
