/**
 * Stand-ins for libgpiod's tools (gpiomon, gpioset, gpiodetect, gpioinfo, gpiofind) in
 * either generation, for machines without a GPIO chip. Each keeps its version's option
 * grammar (getopt_long with the same short/long option tables as libgpiod's
 * tools/*.c of v1.6.3 and v2.2.x), its error messages and exit codes, and its output
 * formats, so a station that speaks the wrong grammar fails here as on a Pi.
 *
 * Run as `node gpio-standin.js TOOL GENERATION ARGS…` from a small shell wrapper named
 * TOOL (test/helpers/gpio-sim.ts writes them). The simulated hardware is a directory
 * ($OPV_GPIO_SIM): chips.json (name, label, line count, line names), and per line
 * `CHIP.OFFSET.level` (the physical level the test sets, "0"/"1"), `.lock` (the pid
 * that has requested it: a second request is "Device or resource busy"), `.out` (what
 * gpioset drives: "1 held", "0 held" or "released") and calls.log (every invocation).
 */
import { appendFileSync, existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';

interface SimChip {
  name: string;
  label: string;
  lines: number;
  names: Record<string, string>;
}

const [tool = '', genArg = '', ...argv] = process.argv.slice(2);
const gen = genArg === '1' ? 1 : 2;
const VERSION = gen === 1 ? '1.6.3' : '2.2.1';
const simDir = process.env.OPV_GPIO_SIM ?? '';
const prog = tool;

function out(s: string): void {
  process.stdout.write(s);
}
function err(s: string): void {
  process.stderr.write(`${prog}: ${s}\n`);
}
function die(s: string): never {
  err(s);
  process.exit(1);
}

function chips(): SimChip[] {
  const f = path.join(simDir, 'chips.json');
  return existsSync(f) ? (JSON.parse(readFileSync(f, 'utf8')) as SimChip[]) : [];
}

/** libgpiod's chip lookup: "0", "gpiochip0" and "/dev/gpiochip0" name one chip. */
function lookupChip(id: string): SimChip | undefined {
  const name = /^\d+$/.test(id) ? `gpiochip${id}` : id.startsWith('/dev/') ? id.slice(5) : id.includes('/') ? '' : id;
  return chips().find((c) => c.name === name);
}

function linePath(chip: SimChip, offset: number, ext: string): string {
  return path.join(simDir, `${chip.name}.${offset}.${ext}`);
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** Requests a line as the kernel would: busy while another live process holds it. */
function request(chip: SimChip, offset: number, consumer: string): boolean {
  const lock = linePath(chip, offset, 'lock');
  if (existsSync(lock)) {
    const pid = Number(readFileSync(lock, 'utf8').split(' ')[0]);
    if (pid !== process.pid && alive(pid)) return false;
  }
  writeFileSync(lock, `${process.pid} ${consumer}`);
  const release = (): void => {
    try {
      if (readFileSync(lock, 'utf8').startsWith(`${process.pid} `)) rmSync(lock);
    } catch {
      // Already gone.
    }
  };
  process.on('exit', release);
  return true;
}

// --- getopt_long, as glibc parses and words its complaints ---------------------------

interface LongOpt {
  name: string;
  arg: boolean;
  val: string;
}
type Parsed = { opts: [string, string | undefined][]; rest: string[] };

function getopt(args: string[], shortopts: string, longopts: LongOpt[]): Parsed {
  const opts: [string, string | undefined][] = [];
  const takesArg = (c: string): boolean | null => {
    const i = shortopts.indexOf(c);
    if (i < 0 || c === '+' || c === ':') return null;
    return shortopts[i + 1] === ':';
  };
  let i = 0;
  for (; i < args.length; i++) {
    const a = args[i]!;
    if (a === '--') {
      i++;
      break;
    }
    if (!a.startsWith('-') || a === '-') break; // "+": stop at the first non-option
    if (a.startsWith('--')) {
      const [name, value] = a.slice(2).split(/=(.*)/s, 2) as [string, string | undefined];
      const exact = longopts.find((l) => l.name === name);
      const prefix = longopts.filter((l) => l.name.startsWith(name));
      const lo = exact ?? (prefix.length === 1 ? prefix[0] : undefined);
      if (!lo) {
        process.stderr.write(prefix.length > 1 ? `${prog}: option '${a}' is ambiguous\n` : `${prog}: unrecognized option '${a}'\n`);
        die(`try ${prog} --help`);
      }
      if (lo.arg) {
        let v = value;
        if (v === undefined) v = args[++i];
        if (v === undefined) {
          process.stderr.write(`${prog}: option '--${lo.name}' requires an argument\n`);
          die(`try ${prog} --help`);
        }
        opts.push([lo.val, v]);
      } else {
        if (value !== undefined) {
          process.stderr.write(`${prog}: option '--${lo.name}' doesn't allow an argument\n`);
          die(`try ${prog} --help`);
        }
        opts.push([lo.val, undefined]);
      }
      continue;
    }
    for (let j = 1; j < a.length; j++) {
      const c = a[j]!;
      const t = takesArg(c);
      if (t === null) {
        process.stderr.write(`${prog}: invalid option -- '${c}'\n`);
        die(`try ${prog} --help`);
      }
      if (!t) {
        opts.push([c, undefined]);
        continue;
      }
      let v: string | undefined = a.slice(j + 1);
      if (v === '') v = args[++i];
      if (v === undefined) {
        process.stderr.write(`${prog}: option requires an argument -- '${c}'\n`);
        die(`try ${prog} --help`);
      }
      opts.push([c, v]);
      break;
    }
  }
  return { opts, rest: args.slice(i) };
}

function version(): never {
  out(`${prog} (libgpiod) v${VERSION}\n`);
  out(gen === 1 ? 'Copyright (C) 2017-2018 Bartosz Golaszewski\nLicense: LGPLv2.1\n' : 'Copyright (C) 2017-2023 Bartosz Golaszewski\nLicense: GPL-2.0-or-later\n');
  out('This is free software: you are free to change and redistribute it.\nThere is NO WARRANTY, to the extent permitted by law.\n');
  process.exit(0);
}

function help(): never {
  out(`Usage: ${prog} [OPTIONS] …\n`);
  process.exit(0);
}

const lo = (name: string, arg: boolean, val: string): LongOpt => ({ name, arg, val });

// --- the simulated line's level ---------------------------------------------------------

function physical(chip: SimChip, offset: number, bias: string): number {
  const f = linePath(chip, offset, 'level');
  if (existsSync(f)) return readFileSync(f, 'utf8').trim() === '1' ? 1 : 0;
  return bias === 'pull-up' ? 1 : 0;
}

/** Emits edges as the test changes the line's level file (polled: simple and reliable). */
function monitor(chip: SimChip, offset: number, activeLow: boolean, bias: string, onEdge: (rising: boolean) => void): void {
  const logical = (): number => (activeLow ? 1 - physical(chip, offset, bias) : physical(chip, offset, bias));
  let last = logical();
  setInterval(() => {
    const now = logical();
    if (now !== last) onEdge(now === 1);
    last = now;
  }, 10);
}

function onSignals(fn: (signal: NodeJS.Signals) => void): void {
  for (const s of ['SIGTERM', 'SIGINT'] as const) process.on(s, () => fn(s));
}

/** 2.x tools install no signal handler: SIGTERM ends them by the signal. */
function dieBySignal(signal: NodeJS.Signals): void {
  process.emit('exit', 0);
  process.removeAllListeners('exit');
  process.removeAllListeners(signal);
  process.kill(process.pid, signal);
}

// --- gpiomon ------------------------------------------------------------------------------

function gpiomon1(): void {
  const { opts, rest } = getopt(argv, '+hvlB:n:srfbF:', [
    lo('help', false, 'h'), lo('version', false, 'v'), lo('active-low', false, 'l'), lo('bias', true, 'B'), lo('num-events', true, 'n'),
    lo('silent', false, 's'), lo('rising-edge', false, 'r'), lo('falling-edge', false, 'f'), lo('line-buffered', false, 'b'), lo('format', true, 'F'),
  ]);
  let activeLow = false;
  let bias = 'as-is';
  let lineBuffered = false;
  let fmt: string | undefined;
  for (const [o, v] of opts) {
    if (o === 'h') help();
    if (o === 'v') version();
    if (o === 'l') activeLow = true;
    if (o === 'B') {
      if (!['as-is', 'disable', 'pull-down', 'pull-up'].includes(v!)) die(`invalid bias: ${v}`);
      bias = v!;
    }
    if (o === 'b') lineBuffered = true;
    if (o === 'F') fmt = v;
  }
  if (rest.length < 1) die('gpiochip must be specified');
  if (rest.length < 2) die('at least one GPIO line offset must be specified');
  const offsets = rest.slice(1).map((s) => {
    if (!/^\d+$/.test(s)) die(`invalid GPIO offset: ${s}`);
    return Number(s);
  });
  const chip = lookupChip(rest[0]!);
  if (!chip) die('error waiting for events: No such file or directory');
  const offset = offsets[0]!;
  if (offset >= chip.lines) die('error waiting for events: Invalid argument');
  if (!request(chip, offset, 'gpiomon')) die('error waiting for events: Device or resource busy');
  // Without -b, stdout into a pipe is block-buffered by stdio: events would sit in the buffer.
  let pending = '';
  const emit = (s: string): void => {
    pending += s;
    if (lineBuffered || process.stdout.isTTY === true || pending.length >= 4096) {
      out(pending);
      pending = '';
    }
  };
  monitor(chip, offset, activeLow, bias, (rising) => {
    const e = rising ? '1' : '0';
    if (fmt === undefined) emit(`event: ${rising ? ' RISING EDGE' : 'FALLING EDGE'} offset: ${offset} timestamp: [${(performance.now() / 1000).toFixed(9)}]\n`);
    else emit(fmt.replace(/%(.)/g, (_m, c: string) => (c === 'e' ? e : c === 'o' ? String(offset) : c === '%' ? '%' : `%${c}`)) + '\n');
  });
  // Written once the line's level is being watched: a test that waits for it may then change the level.
  writeFileSync(linePath(chip, offset, 'req'), JSON.stringify({ tool: 'gpiomon', gen, activeLow, bias }));
  // 1.6 watches SIGINT/SIGTERM through a signalfd and returns 0.
  onSignals(() => process.exit(0));
}

function parsePeriod(s: string): number | null {
  const m = /^(\d+)(us|ms|m|s)?$/.exec(s);
  if (!m) return null;
  const n = Number(m[1]);
  return m[2] === 'us' ? n : m[2] === 's' ? n * 1e6 : m[2] === 'm' ? n * 6e7 : n * 1000;
}

function parseBias2(v: string): string {
  if (!['pull-down', 'pull-up', 'disabled'].includes(v)) die(`invalid bias: ${v}`);
  return v;
}

/** tools-common.c resolve_lines: by offset on the -c chip, else by name on every chip. */
function resolve2(ids: string[], chipId: string | undefined, byName: boolean): { chip: SimChip; offset: number; name: string | undefined }[] {
  let pool = chips();
  if (chipId !== undefined) {
    const c = lookupChip(chipId);
    if (!c) die(`cannot find GPIO chip character device '${chipId}'`);
    pool = [c];
  }
  let ok = true;
  const found = ids.map((id) => {
    if (chipId !== undefined && !byName && /^\d+$/.test(id)) {
      const offset = Number(id);
      if (offset < pool[0]!.lines) return { chip: pool[0]!, offset, name: pool[0]!.names[String(offset)] };
      err(`offset ${id} is out of range on chip '${chipId}'`);
      ok = false;
      return null;
    }
    for (const c of pool) {
      const hit = Object.entries(c.names).find(([, n]) => n === id);
      if (hit) return { chip: c, offset: Number(hit[0]), name: id };
    }
    err(`cannot find line '${id}'`);
    ok = false;
    return null;
  });
  if (!ok) process.exit(1);
  return found as { chip: SimChip; offset: number; name: string | undefined }[];
}

function gpiomon2(): void {
  const { opts, rest } = getopt(argv, '+b:c:C:e:E:hF:ln:p:qshv', [
    lo('active-low', false, 'l'), lo('banner', false, '-'), lo('bias', true, 'b'), lo('by-name', false, 'B'), lo('chip', true, 'c'),
    lo('consumer', true, 'C'), lo('debounce-period', true, 'p'), lo('edges', true, 'e'), lo('event-clock', true, 'E'), lo('format', true, 'F'),
    lo('help', false, 'h'), lo('idle-timeout', true, 'i'), lo('localtime', false, '0'), lo('num-events', true, 'n'), lo('quiet', false, 'q'),
    lo('silent', false, 'q'), lo('strict', false, 's'), lo('unquoted', false, 'Q'), lo('utc', false, '0'), lo('version', false, 'v'),
  ]);
  let activeLow = false;
  let bias = 'as-is';
  let chipId: string | undefined;
  let fmt: string | undefined;
  let byName = false;
  let debounceUs = 0;
  for (const [o, v] of opts) {
    if (o === 'h') help();
    if (o === 'v') version();
    if (o === 'l') activeLow = true;
    if (o === 'b') bias = parseBias2(v!);
    if (o === 'B') byName = true;
    if (o === 'c') chipId = v;
    if (o === 'F') fmt = v;
    if (o === 'p') {
      const p = parsePeriod(v!);
      if (p === null) die(`invalid period: ${v}`);
      debounceUs = p;
    }
  }
  if (rest.length < 1) die('at least one GPIO line must be specified');
  const [line] = resolve2(rest, chipId, byName || chipId === undefined);
  const { chip, offset } = line!;
  if (!request(chip, offset, 'gpiomon')) die(`unable to request lines on chip /dev/${chip.name}: Device or resource busy`);
  monitor(chip, offset, activeLow, bias, (rising) => {
    if (fmt === undefined) out(`${(performance.now() / 1000).toFixed(9)}\t${rising ? 'rising' : 'falling'}\t"${line!.name ?? offset}"\n`);
    else
      out(
        fmt.replace(/%(.)/g, (_m, c: string) =>
          c === 'e' ? (rising ? '1' : '2') : c === 'E' ? (rising ? 'rising' : 'falling') : c === 'o' ? String(offset) : c === 'c' ? chip.name : c === 'l' ? (line!.name ?? 'unnamed') : c === '%' ? '%' : `%${c}`,
        ) + '\n',
      );
  });
  writeFileSync(linePath(chip, offset, 'req'), JSON.stringify({ tool: 'gpiomon', gen, activeLow, bias, debounceUs }));
  onSignals(dieBySignal);
}

// --- gpioset ------------------------------------------------------------------------------

function drive(chip: SimChip, offset: number, value: number): void {
  const f = linePath(chip, offset, 'out');
  writeFileSync(f, `${value} held\n`);
  process.on('exit', () => writeFileSync(f, 'released\n'));
}

function gpioset1(): void {
  const { opts, rest } = getopt(argv, '+hvlB:D:m:s:u:b', [
    lo('help', false, 'h'), lo('version', false, 'v'), lo('active-low', false, 'l'), lo('bias', true, 'B'), lo('drive', true, 'D'),
    lo('mode', true, 'm'), lo('sec', true, 's'), lo('usec', true, 'u'), lo('background', false, 'b'),
  ]);
  let mode = 'exit';
  for (const [o, v] of opts) {
    if (o === 'h') help();
    if (o === 'v') version();
    if (o === 'm') {
      if (!['exit', 'wait', 'time', 'signal'].includes(v!)) die(`invalid mode: ${v}`);
      mode = v!;
    }
  }
  if (rest.length < 1) die('gpiochip must be specified');
  if (rest.length < 2) die('at least one GPIO line offset to value mapping must be specified');
  const maps = rest.slice(1).map((m) => {
    const r = /^(\d+)=(-?\d+)$/.exec(m);
    if (!r) die(`invalid offset<->value mapping: ${m}`);
    if (r[2] !== '0' && r[2] !== '1') die(`value must be 0 or 1: ${m}`);
    return [Number(r[1]), Number(r[2])] as const;
  });
  const chip = lookupChip(rest[0]!);
  if (!chip) die('error setting the GPIO line values: No such file or directory');
  const [offset, value] = maps[0]!;
  if (offset >= chip.lines) die('error setting the GPIO line values: Invalid argument');
  if (!request(chip, offset, 'gpioset')) die('error setting the GPIO line values: Device or resource busy');
  drive(chip, offset, value);
  if (mode === 'exit') process.exit(0);
  if (mode === 'signal') {
    onSignals(() => process.exit(0));
    setInterval(() => undefined, 1 << 30);
    return;
  }
  if (mode === 'time') setTimeout(() => process.exit(0), 1000);
  else process.stdin.once('data', () => process.exit(0));
}

function gpioset2(): void {
  const { opts, rest } = getopt(argv, '+b:c:C:d:hlp:st:vz', [
    lo('active-low', false, 'l'), lo('banner', false, '-'), lo('bias', true, 'b'), lo('by-name', false, 'B'), lo('chip', true, 'c'),
    lo('consumer', true, 'C'), lo('daemonize', false, 'z'), lo('drive', true, 'd'), lo('help', false, 'h'), lo('hold-period', true, 'p'),
    lo('strict', false, 's'), lo('toggle', true, 't'), lo('unquoted', false, 'Q'), lo('version', false, 'v'),
  ]);
  let chipId: string | undefined;
  let byName = false;
  for (const [o, v] of opts) {
    if (o === 'h') help();
    if (o === 'v') version();
    if (o === 'b') parseBias2(v!);
    if (o === 'B') byName = true;
    if (o === 'c') chipId = v;
  }
  if (rest.length < 1) die('at least one GPIO line value must be specified');
  const values: Record<string, number> = { '0': 0, '1': 1, inactive: 0, active: 1, off: 0, on: 1, false: 0, true: 1 };
  const ids = rest.map((lv) => {
    const eq = lv.indexOf('=');
    if (eq < 0) {
      err(`invalid line value: '${lv}'`);
      process.exit(1);
    }
    const v = values[lv.slice(eq + 1)];
    if (v === undefined) {
      err(`invalid line value: '${lv.slice(eq + 1)}'`);
      process.exit(1);
    }
    return [lv.slice(0, eq), v] as const;
  });
  const [line] = resolve2(
    ids.map(([id]) => id),
    chipId,
    byName || chipId === undefined,
  );
  if (!request(line!.chip, line!.offset, 'gpioset')) die(`unable to request lines on chip '/dev/${line!.chip.name}': Device or resource busy`);
  drive(line!.chip, line!.offset, ids[0]![1]);
  // Holds until killed (wait_fd polls forever).
  setInterval(() => undefined, 1 << 30);
  onSignals(dieBySignal);
}

// --- gpiodetect, gpioinfo, gpiofind ------------------------------------------------------

function gpiodetect(): void {
  const { opts, rest } = getopt(argv, '+hv', [lo('help', false, 'h'), lo('version', false, 'v')]);
  for (const [o] of opts) {
    if (o === 'h') help();
    if (o === 'v') version();
  }
  if (gen === 1 && rest.length > 0) die(`unrecognized argument: ${rest[0]}`);
  const list = rest.length ? rest.map((id) => lookupChip(id) ?? die(`cannot find GPIO chip character device '${id}'`)) : chips();
  for (const c of list) out(`${c.name} [${c.label}] (${c.lines} lines)\n`);
}

function lineAttrs(chip: SimChip, offset: number): { used: boolean; consumer: string } {
  const lock = linePath(chip, offset, 'lock');
  if (!existsSync(lock)) return { used: false, consumer: '' };
  const [pid, consumer = ''] = readFileSync(lock, 'utf8').split(' ');
  return alive(Number(pid)) ? { used: true, consumer } : { used: false, consumer: '' };
}

function gpioinfo1(): void {
  const { opts, rest } = getopt(argv, '+hv', [lo('help', false, 'h'), lo('version', false, 'v')]);
  for (const [o] of opts) {
    if (o === 'h') help();
    if (o === 'v') version();
  }
  const list = rest.length ? rest.map((id) => lookupChip(id) ?? die(`looking up chip ${id}: No such file or directory`)) : chips();
  for (const c of list) {
    out(`${c.name} - ${c.lines} lines:\n`);
    for (let o = 0; o < c.lines; o++) {
      const n = c.names[String(o)];
      const a = lineAttrs(c, o);
      out(`\tline ${String(o).padStart(3)}: ${(n ? `"${n}"` : 'unnamed').padStart(12)} ${(a.used ? `"${a.consumer}"` : 'unused').padStart(12)}   input  active-high${a.used ? ' [used]' : ''}\n`);
    }
  }
}

function gpioinfo2(): void {
  const { opts, rest } = getopt(argv, '+c:hsv', [lo('by-name', false, 'B'), lo('chip', true, 'c'), lo('help', false, 'h'), lo('strict', false, 's'), lo('unquoted', false, 'Q'), lo('version', false, 'v')]);
  let chipId: string | undefined;
  let byName = false;
  for (const [o, v] of opts) {
    if (o === 'h') help();
    if (o === 'v') version();
    if (o === 'c') chipId = v;
    if (o === 'B') byName = true;
  }
  const show = (c: SimChip, o: number): string => {
    const n = c.names[String(o)];
    const a = lineAttrs(c, o);
    return `${(n ? `"${n}"` : 'unnamed').padEnd(16)}\tinput${a.used ? ` consumer="${a.consumer}"` : ''}`;
  };
  if (rest.length === 0) {
    const list = chipId !== undefined ? [lookupChip(chipId) ?? die(`cannot find GPIO chip character device '${chipId}'`)] : chips();
    for (const c of list) {
      out(`${c.name} - ${c.lines} lines:\n`);
      for (let o = 0; o < c.lines; o++) out(`\tline ${String(o).padStart(3)}:\t${show(c, o)}\n`);
    }
    return;
  }
  for (const l of resolve2(rest, chipId, byName || chipId === undefined)) out(`${l.chip.name} ${l.offset}\t${show(l.chip, l.offset)}\n`);
}

function gpiofind(): void {
  const { opts, rest } = getopt(argv, '+hv', [lo('help', false, 'h'), lo('version', false, 'v')]);
  for (const [o] of opts) {
    if (o === 'h') help();
    if (o === 'v') version();
  }
  if (rest.length !== 1) die('exactly one GPIO line name must be specified');
  for (const c of chips()) {
    const hit = Object.entries(c.names).find(([, n]) => n === rest[0]);
    if (hit) {
      out(`${c.name} ${hit[0]}\n`);
      return;
    }
  }
  process.exit(1);
}

if (simDir) appendFileSync(path.join(simDir, 'calls.log'), `${[tool, ...argv].join(' ')}\n`);
const tools: Record<string, (() => void) | undefined> = {
  gpiomon: gen === 1 ? gpiomon1 : gpiomon2,
  gpioset: gen === 1 ? gpioset1 : gpioset2,
  gpiodetect,
  gpioinfo: gen === 1 ? gpioinfo1 : gpioinfo2,
  // gpiofind is gone in 2.x (gpioinfo finds lines by name).
  gpiofind: gen === 1 ? gpiofind : undefined,
};
const run = tools[tool];
if (!run) {
  process.stderr.write(`${tool}: command not found\n`);
  process.exit(127);
}
run();
