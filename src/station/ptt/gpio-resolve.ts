import { GpioError } from './gpio.js';
import { firstLine, type GpiodTools, type ToolRunner } from './gpio-tools.js';

/**
 * Which chip and offset a `--ptt-gpio 23` / `--ptt-gpio GPIO23` means. On a Raspberry Pi
 * the header lines are named GPIO0…GPIO27 on the pinctrl chip, whose number changed
 * between kernels on the Pi 5 (gpiochip4, later gpiochip0): names and labels find it,
 * numbers guess.
 */

export interface GpioChipInfo {
  name: string;
  label: string;
  lines: number;
}

export interface ResolvedLine {
  chip: string;
  offset: number;
  /** How it was found, for the notice that says which line was chosen. */
  how: string;
}

const DETECT_LINE = /^(\S+) \[(.*)\] \((\d+) lines\)$/;

/** gpiodetect's list (the same format in 1.6 and 2.x). */
export async function listChips(run: ToolRunner): Promise<GpioChipInfo[]> {
  const r = await run('gpiodetect', []);
  // A failing gpiodetect is not a machine without chips (e.g. no permission on /dev/gpiochip*).
  if (r.code !== 0) throw new GpioError(`gpiodetect failed (${firstLine(r.stderr) || `exit ${r.code}`})`);
  const chips: GpioChipInfo[] = [];
  for (const l of r.stdout.split('\n')) {
    const m = DETECT_LINE.exec(l.trim());
    if (m) chips.push({ name: m[1]!, label: m[2]!, lines: Number(m[3]) });
  }
  return chips;
}

/** "4", "gpiochip4" and "/dev/gpiochip4" are the same chip to both generations. */
export function chipName(id: string): string {
  if (/^\d+$/.test(id)) return `gpiochip${id}`;
  return id.startsWith('/dev/') ? id.slice('/dev/'.length) : id;
}

/** A line by its name: gpiofind on 1.6, gpioinfo on 2.x; null when no chip has it. */
export async function findLineByName(tools: GpiodTools, run: ToolRunner, name: string): Promise<{ chip: string; offset: number } | null> {
  const r = tools.generation === 1 ? await run('gpiofind', [name]) : await run('gpioinfo', [name]);
  if (r.code !== 0) return null;
  const m = /^(\S+) (\d+)\b/.exec(r.stdout.trim());
  return m ? { chip: m[1]!, offset: Number(m[2]) } : null;
}

function chipList(chips: GpioChipInfo[]): string {
  return chips.map((c) => `${c.name} [${c.label}]`).join(', ');
}

/** The Pi's header chip: pinctrl-bcm2835 (Pi 1–3, Zero), pinctrl-bcm2711 (Pi 4), pinctrl-rp1 (Pi 5). */
function pinctrlChip(chips: GpioChipInfo[]): GpioChipInfo | undefined {
  return chips.find((c) => c.label.startsWith('pinctrl-'));
}

export async function resolveLine(tools: GpiodTools, run: ToolRunner, line: number | string, chipFlag: string | null, what: string): Promise<ResolvedLine> {
  const chips = await listChips(run);
  if (chips.length === 0) throw new GpioError(`no GPIO chip on this machine (gpiodetect lists none): ${what} needs a Raspberry Pi or another GPIO chip`);
  if (chipFlag !== null) {
    const chip = chips.find((c) => c.name === chipName(chipFlag));
    if (!chip) throw new GpioError(`no GPIO chip ${chipFlag} (this machine has ${chipList(chips)}): check --gpio-chip`);
    if (typeof line === 'number') {
      if (line >= chip.lines) throw new GpioError(`${chip.name} has lines 0–${chip.lines - 1}, not ${line}: check ${what}`);
      return { chip: chip.name, offset: line, how: `--gpio-chip ${chipFlag}` };
    }
    const found = await findLineByName(tools, run, line);
    if (!found || found.chip !== chip.name) throw new GpioError(`no GPIO line named ${line} on ${chip.name}${found ? ` (it is on ${found.chip})` : ''}: check ${what} and --gpio-chip`);
    return { chip: found.chip, offset: found.offset, how: `its name ${line}` };
  }
  if (typeof line === 'string') {
    const found = await findLineByName(tools, run, line);
    if (!found) throw new GpioError(`no GPIO line named ${line} on ${chipList(chips)}: check ${what}`);
    return { chip: found.chip, offset: found.offset, how: `its name ${line}` };
  }
  // A number means the Pi's GPIO number (BCM), which is also the line's name.
  const named = await findLineByName(tools, run, `GPIO${line}`);
  if (named) return { chip: named.chip, offset: named.offset, how: `its name GPIO${line}` };
  const pin = pinctrlChip(chips);
  if (pin && line < pin.lines) return { chip: pin.name, offset: line, how: `the chip label ${pin.label}` };
  if (chips.length === 1 && line < chips[0]!.lines) return { chip: chips[0]!.name, offset: line, how: 'the only GPIO chip' };
  throw new GpioError(`cannot tell which GPIO chip has line ${line} (${chipList(chips)}): give --gpio-chip`);
}
