import type { StationSettings } from '../settings.js';
import type { PttController } from './controller.js';
import { checkGpioChip, GpioError, GpiomonButton, GpioPtt, GpiosetLed } from './gpio.js';

/**
 * Wires a GPIO PTT button and the TX LED to the station's PTT controller (the same one
 * the keyboard and /ptt use, so the time-out and the refusals hold for the button too).
 * A missing chip is a notice (`report`), never a failure: keyboard PTT and chat keep working.
 */
export function attachGpio(ptt: PttController, settings: StationSettings, report: (message: string) => void): () => void {
  const { gpio, led, gpioChip } = settings.ptt;
  if (gpio === null && led === null) return () => undefined;
  try {
    checkGpioChip(gpioChip);
  } catch (e) {
    report(e instanceof GpioError ? e.message : String(e));
    return () => undefined;
  }
  let button: GpioPtt | null = null;
  if (gpio !== null) {
    button = new GpioPtt(new GpiomonButton(gpioChip, gpio, report), (down) => void ptt.hold(down, 'gpio'));
    button.start();
  }
  let detachLed: (() => void) | null = null;
  let sink: GpiosetLed | null = null;
  if (led !== null) {
    sink = new GpiosetLed(gpioChip, led);
    detachLed = ptt.attachLed(sink);
  }
  return () => {
    button?.close();
    detachLed?.();
    sink?.close();
  };
}
