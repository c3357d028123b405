import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { distDir } from './paths.js';
import { onExit } from './cleanup.js';
import { eventually } from './eventually.js';

const STANDIN = path.join(distDir, 'test', 'helpers', 'gpio-standin.js');

export interface SimChipSpec {
  name: string;
  label: string;
  lines: number;
  /** offset → line name, e.g. { 23: 'GPIO23' }. */
  names?: Record<number, string>;
}

/** A Raspberry Pi 4's header chip as gpiodetect/gpioinfo show it. */
export function piChip(name = 'gpiochip0', label = 'pinctrl-bcm2711', lines = 58): SimChipSpec {
  const names: Record<number, string> = {};
  for (let i = 0; i <= 27; i++) names[i] = `GPIO${i}`;
  return { name, label, lines, names };
}

/**
 * A simulated GPIO header behind stand-in libgpiod tools of one generation
 * (test/helpers/gpio-standin.ts), to put first on PATH of a station process. The test
 * plays the finger (`press`/`release` set the button line's physical level; the button
 * connects it to ground) and reads the LED (`led`).
 */
export class GpioSim {
  readonly dir: string;
  readonly bin: string;

  constructor(
    readonly generation: 1 | 2,
    chipSpecs: SimChipSpec[],
  ) {
    this.dir = mkdtempSync(path.join(tmpdir(), `opv-gpio${generation}-`));
    onExit(() => rmSync(this.dir, { recursive: true, force: true }));
    this.bin = path.join(this.dir, 'bin');
    mkdirSync(this.bin);
    writeFileSync(path.join(this.dir, 'chips.json'), JSON.stringify(chipSpecs.map((c) => ({ ...c, names: c.names ?? {} }))));
    const tools = ['gpiomon', 'gpioset', 'gpiodetect', 'gpioinfo', ...(generation === 1 ? ['gpiofind'] : [])];
    for (const t of tools) {
      const f = path.join(this.bin, t);
      writeFileSync(f, `#!/bin/sh\nexec "${process.execPath}" "${STANDIN}" ${t} ${generation} "$@"\n`);
      chmodSync(f, 0o755);
    }
  }

  /** Environment for a station: stand-ins first on PATH, the simulated header named. */
  env(base: NodeJS.ProcessEnv = process.env): NodeJS.ProcessEnv {
    return { ...base, PATH: `${this.bin}:${base.PATH ?? ''}`, OPV_GPIO_SIM: this.dir };
  }

  private file(chip: string, offset: number, ext: string): string {
    return path.join(this.dir, `${chip}.${offset}.${ext}`);
  }

  /** Physical level of an input line (1 high, 0 low). */
  setLevel(chip: string, offset: number, level: 0 | 1): void {
    writeFileSync(this.file(chip, offset, 'level'), `${level}\n`);
  }

  press(chip: string, offset: number): void {
    this.setLevel(chip, offset, 0);
  }

  release(chip: string, offset: number): void {
    this.setLevel(chip, offset, 1);
  }

  /** What gpioset drives on a line: "1 held", "0 held", "released", or null (never set). */
  led(chip: string, offset: number): string | null {
    const f = this.file(chip, offset, 'out');
    return existsSync(f) ? readFileSync(f, 'utf8').trim() : null;
  }

  async waitLed(chip: string, offset: number, want: string, timeoutMs = 10_000): Promise<void> {
    await eventually(() => this.led(chip, offset) === want, `the LED on ${chip} line ${offset} is "${want}" (it is "${this.led(chip, offset) ?? 'never set'}")`, timeoutMs);
  }

  /** The request gpiomon made for a line (bias, active-low…), once it has made it. */
  request(chip: string, offset: number): Record<string, unknown> | null {
    const f = this.file(chip, offset, 'req');
    return existsSync(f) ? (JSON.parse(readFileSync(f, 'utf8')) as Record<string, unknown>) : null;
  }

  async waitForRequest(chip: string, offset: number, timeoutMs = 10_000): Promise<void> {
    await eventually(() => this.request(chip, offset) !== null, `gpiomon has requested ${chip} line ${offset}`, timeoutMs);
  }

  /** Holds a line as another program would (a live process's pid in its lock). */
  holdLine(chip: string, offset: number, pid: number, consumer = 'other'): void {
    writeFileSync(this.file(chip, offset, 'lock'), `${pid} ${consumer}`);
  }

  /** Every tool invocation so far, one per line. */
  calls(): string[] {
    const f = path.join(this.dir, 'calls.log');
    return existsSync(f) ? readFileSync(f, 'utf8').trim().split('\n') : [];
  }
}

/** A PATH holding only `node`: no GPIO tools at all (a Pi without the gpiod package). */
export function pathWithoutGpioTools(): string {
  const dir = mkdtempSync(path.join(tmpdir(), 'opv-nogpio-'));
  onExit(() => rmSync(dir, { recursive: true, force: true }));
  symlinkSync(process.execPath, path.join(dir, 'node'));
  return dir;
}
