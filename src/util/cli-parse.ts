import { InvalidArgumentError } from 'commander';

/** Commander argument parsers that explain what is wrong in one line. */

/** An allowed range for a number, shared by a flag and the settings key it overrides. */
export interface Range {
  readonly min: number;
  readonly max: number;
  /** Whole numbers only. */
  readonly integer: boolean;
}

/** "must be a whole number between 1 and 65535": the one wording of a range, for flags and files. */
export function describeRange(r: Range): string {
  return `must be ${r.integer ? 'a whole number' : 'a number'} between ${r.min} and ${r.max}`;
}

/** A flag whose value must lie in `r` (for flags that set a settings-file key). */
export function inRange(name: string, r: Range): (v: string) => number {
  return (v: string) => {
    const n = Number(v);
    const ok = (r.integer ? /^\d+$/ : /^\d+(\.\d+)?$/).test(v) && n >= r.min && n <= r.max;
    if (!ok) throw new InvalidArgumentError(`${name} ${describeRange(r)}, got "${v}"`);
    return n;
  };
}
/** `v` as a whole number, or the one wording every whole-number flag uses for anything else. */
function wholeNumber(name: string, v: string): number {
  if (!/^\d+$/.test(v)) throw new InvalidArgumentError(`${name} must be a whole number, got "${v}"`);
  return Number(v);
}

export function intInRange(name: string, min: number, max: number): (v: string) => number {
  return (v: string) => {
    const n = wholeNumber(name, v);
    if (n < min || n > max) throw new InvalidArgumentError(`${name} must be between ${min} and ${max}, got ${n}`);
    return n;
  };
}

export function positiveNumber(name: string): (v: string) => number {
  return (v: string) => {
    const n = Number(v);
    if (!Number.isFinite(n) || n <= 0) throw new InvalidArgumentError(`${name} must be a positive number, got "${v}"`);
    return n;
  };
}

export function oneOf<T extends string>(name: string, values: readonly T[]): (v: string) => T {
  return (v: string) => {
    if (!(values as readonly string[]).includes(v)) throw new InvalidArgumentError(`${name} must be one of ${values.join(', ')}, got "${v}"`);
    return v as T;
  };
}

export function list(v: string, prev: string[] = []): string[] {
  return prev.concat(v.split(',').map((s) => s.trim()).filter(Boolean));
}

/**
 * A port flag that also takes 0: the kernel picks a free port, which the server reports
 * in its start-up line (so tests and supervisors read it back instead of guessing one).
 */
export function portOrAny(name: string, min: number, max = 65535): (v: string) => number {
  return (v: string) => {
    const n = wholeNumber(name, v);
    if (n !== 0 && (n < min || n > max)) throw new InvalidArgumentError(`${name} must be 0 (any free port) or between ${min} and ${max}, got ${n}`);
    return n;
  };
}
