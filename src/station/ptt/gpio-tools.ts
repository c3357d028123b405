import { execFile } from 'node:child_process';
import { GpioError } from './gpio.js';

/**
 * The two command-line grammars of libgpiod's tools (Debian package `gpiod`), in one
 * place: 1.6 (Debian 12, Raspberry Pi OS bookworm) and 2.x (Debian 13, trixie). They
 * differ in nearly every option (libgpiod tools/gpiomon.c, gpioset.c of each tag):
 *
 *   1.6  gpiomon [-B bias] [-l] -b -F %e CHIP OFFSET      %e: 1 rising, 0 falling
 *        gpioset --mode=signal CHIP OFFSET=V               holds until SIGTERM
 *        gpiofind NAME → "gpiochip0 23"
 *   2.x  gpiomon -c CHIP [-b bias] [-l] [-p PERIOD] -F %e LINE   %e: 1 rising, 2 falling
 *        gpioset -c CHIP LINE=V                            holds until killed
 *        gpioinfo NAME → "gpiochip0 23\t"GPIO23"  input …"
 *
 * Both: gpiodetect → "gpiochip0 [pinctrl-bcm2711] (58 lines)", `--version` →
 * "gpiomon (libgpiod) v1.6.3". With active-low (-l) both report pressing a button to
 * ground as a rising edge.
 */

export type GpiodGeneration = 1 | 2;

export const GPIO_BIASES = ['pull-up', 'pull-down', 'disabled', 'as-is'] as const;
export type GpioBias = (typeof GPIO_BIASES)[number];

export interface GpiodTools {
  generation: GpiodGeneration;
  /** As the tools print it, e.g. "2.2.1". */
  version: string;
}

export interface ToolResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs a tool to completion; a tool that is not installed is a GpioError in words. */
export type ToolRunner = (tool: string, args: string[]) => Promise<ToolResult>;

/** What to install when a tool is missing (Debian and Raspberry Pi OS name it `gpiod`). */
export const GPIOD_PACKAGE_HINT = 'install the Debian package gpiod (sudo apt install gpiod)';

/**
 * A tool that answers in milliseconds on a Pi may take seconds on a Pi Zero that is busy
 * starting up; past this it hangs, and saying so beats a wrong "lists none".
 */
export const TOOL_TIMEOUT_MS = 15_000;

/** Runs tools, each killed after `timeoutMs` (a GpioError that says so). */
export function toolRunner(timeoutMs: number): ToolRunner {
  return (tool, args) =>
    new Promise((resolve, reject) => {
      execFile(tool, args, { timeout: timeoutMs, maxBuffer: 1 << 20, encoding: 'utf8' }, (err, stdout, stderr) => {
        const e = err as (NodeJS.ErrnoException & { code?: string | number; killed?: boolean }) | null;
        if (e && e.code === 'ENOENT') {
          reject(new GpioError(`${tool} not found: ${GPIOD_PACKAGE_HINT}`));
          return;
        }
        if (e?.killed === true) {
          reject(new GpioError(`${tool} did not answer within ${timeoutMs / 1000} s`));
          return;
        }
        resolve({ code: e ? (typeof e.code === 'number' ? e.code : 1) : 0, stdout, stderr });
      });
    });
}

export const runTool: ToolRunner = toolRunner(TOOL_TIMEOUT_MS);

/** `gpiomon --version` → which grammar to speak. */
export async function detectGpiod(run: ToolRunner = runTool): Promise<GpiodTools> {
  const r = await run('gpiomon', ['--version']);
  const m = /\(libgpiod\)\s+v?(\d+)\.(\d+)(\S*)/.exec(r.stdout);
  if (r.code !== 0 || !m) throw new GpioError(`gpiomon --version did not name a libgpiod version (${firstLine(r.stderr || r.stdout) || `exit ${r.code}`})`);
  const [, maj = '', min = '', rest = ''] = m;
  const major = Number(maj);
  if (major !== 1 && major !== 2) throw new GpioError(`libgpiod tools v${maj}.${min} are not supported (1.6 and 2.x are)`);
  return { generation: major, version: `${maj}.${min}${rest}` };
}

export interface MonitorOptions {
  chip: string;
  offset: number;
  /** A button to ground reads low when pressed. */
  activeLow: boolean;
  bias: GpioBias;
  /** Kernel debounce (2.x only; 1.6 has none, the station debounces in any case). */
  debounceMs: number;
}

export function monitorArgs(gen: GpiodGeneration, o: MonitorOptions): string[] {
  if (gen === 1) {
    const bias = o.bias === 'disabled' ? 'disable' : o.bias;
    return [...(bias === 'as-is' ? [] : ['-B', bias]), ...(o.activeLow ? ['-l'] : []), '-b', '-F', '%e', o.chip, String(o.offset)];
  }
  return [
    '-c',
    o.chip,
    ...(o.bias === 'as-is' ? [] : ['-b', o.bias]),
    ...(o.activeLow ? ['-l'] : []),
    ...(o.debounceMs > 0 ? ['-p', `${o.debounceMs}ms`] : []),
    '-F',
    '%e',
    String(o.offset),
  ];
}

/** One line of `gpiomon -F %e` → active (true), inactive (false), or not an event (null). */
export function parseEdge(gen: GpiodGeneration, line: string): boolean | null {
  const t = line.trim();
  if (t === '1') return true;
  if (t === (gen === 1 ? '0' : '2')) return false;
  return null;
}

/** A gpioset that holds `on` until it is sent SIGTERM. */
export function holdArgs(gen: GpiodGeneration, chip: string, offset: number, on: boolean): string[] {
  const v = `${offset}=${on ? 1 : 0}`;
  return gen === 1 ? ['--mode=signal', chip, v] : ['-c', chip, v];
}

/**
 * A tool's failure in words, from what it printed on stderr (both generations' wording:
 * 1.6 "error waiting for events: Device or resource busy", 2.x "unable to request lines
 * on chip /dev/gpiochip0: Device or resource busy").
 */
export function toolFailure(tool: string, what: string, stderr: string, code: number | null): string {
  const first = firstLine(stderr);
  if (/Device or resource busy/i.test(stderr)) return `${what} is in use by another program (gpioinfo shows its consumer); PTT stays on the keyboard`;
  if (/Permission denied/i.test(stderr)) return `${what}: no permission to use the GPIO chip (add the user to the group gpio); PTT stays on the keyboard`;
  if (/No such file or directory|cannot find GPIO chip/i.test(stderr)) return `${what}: the GPIO chip is gone (${first}); PTT stays on the keyboard`;
  return `${tool} stopped (${first || `exit ${code ?? 'by a signal'}`}): ${what} no longer works; PTT stays on the keyboard`;
}

export function firstLine(s: string): string {
  return s.trim().split('\n')[0]?.trim() ?? '';
}
