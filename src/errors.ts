/**
 * opv's one error model. Every error opv raises on purpose — bad input, a missing device,
 * an unreachable server — is an OpvError with a stable `code` that scripts and tests may
 * match on (the message is for people and may change). Anything else reaching the top of
 * `bin/opv` is a bug: it prints its stack and asks for a report (see describeFatal).
 * Modelled on undici's errors.js and fastify's createError.
 */

export const OPV_ERROR_CODES = [
  'OPV_BAD_FLAG',
  'OPV_CONFIG',
  'OPV_SETTINGS',
  'OPV_MISSING_MODULE',
  'OPV_NO_TERMINAL',
  'OPV_AUDIO_DEVICE',
  'OPV_WAV_FORMAT',
  'OPV_OPUS_PACKET_SIZE',
  'OPV_EXPORT_FORMAT',
  'OPV_EXPORT',
  'OPV_SPEECH_UNAVAILABLE',
  'OPV_SPEECH_RENDER',
  'OPV_HTTP_REQUEST',
  'OPV_HISTORY',
  'OPV_LINK',
  'OPV_GPIO',
  'OPV_STATS_CLIENT',
  'OPV_COMMAND',
] as const;
export type OpvErrorCode = (typeof OPV_ERROR_CODES)[number];

/** Exit status of an expected failure (an OpvError, a usage error, a refused system call). */
export const EXIT_FAILURE = 1;
/** Exit status of a bug (sysexits.h EX_SOFTWARE), so scripts can tell the two apart. */
export const EXIT_SOFTWARE = 70;

export class OpvError extends Error {
  override name = 'OpvError';
  readonly code: OpvErrorCode;

  constructor(code: OpvErrorCode, message: string, options?: ErrorOptions) {
    super(message, options);
    this.code = code;
  }
}

export function isOpvError(e: unknown): e is OpvError {
  return e instanceof OpvError;
}

/**
 * The package a failed import was looking for, or null when the failure is not a
 * missing package (a missing file of opv's own is a broken install: a bug).
 * ESM: `Cannot find package 'blessed' imported from …` (ERR_MODULE_NOT_FOUND);
 * CommonJS: `Cannot find module 'blessed'` or a path inside node_modules/<package>
 * (MODULE_NOT_FOUND, e.g. a native addon whose build failed).
 */
export function missingPackage(e: unknown): string | null {
  if (!(e instanceof Error)) return null;
  const code = (e as NodeJS.ErrnoException).code;
  if (code !== 'ERR_MODULE_NOT_FOUND' && code !== 'MODULE_NOT_FOUND') return null;
  const pkg = /Cannot find package '([^']+)'/.exec(e.message)?.[1];
  if (pkg !== undefined) return packageName(pkg);
  const mod = /Cannot find module '([^']+)'/.exec(e.message)?.[1];
  if (mod === undefined) return null;
  const inModules = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(mod)?.[1];
  if (inModules !== undefined) return inModules;
  return mod.startsWith('.') || mod.startsWith('/') || mod.startsWith('file:') ? null : packageName(mod);
}

/** `@scope/name/sub/path` → `@scope/name`; `name/sub` → `name`; an absolute path → its node_modules package. */
function packageName(spec: string): string {
  const inModules = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(spec)?.[1];
  if (inModules !== undefined) return inModules;
  const parts = spec.split('/');
  return spec.startsWith('@') ? parts.slice(0, 2).join('/') : (parts[0] ?? spec);
}

/** Loads a command's code; a package missing from node_modules becomes one line naming it. */
export async function loadCommand<T>(command: string, load: () => Promise<T>): Promise<T> {
  try {
    return await load();
  } catch (e) {
    const pkg = missingPackage(e);
    if (pkg === null) throw e;
    throw new OpvError('OPV_MISSING_MODULE', `${['opv', command].filter(Boolean).join(' ')} needs the package ${pkg}, which is not installed (reinstall opv, e.g. npm ci)`, { cause: e });
  }
}

/**
 * A failed system call (a missing file, a refused permission, a port in use) is the
 * environment, not a bug: Node's system errors carry `syscall` and a string `code`.
 */
export function isSystemError(e: unknown): e is NodeJS.ErrnoException {
  return e instanceof Error && typeof (e as NodeJS.ErrnoException).syscall === 'string' && typeof (e as NodeJS.ErrnoException).code === 'string';
}

/** An error the operator can act on from one line (no stack). */
export function isExpected(e: unknown): boolean {
  return isOpvError(e) || isSystemError(e);
}

/** What the top level prints for an error, and the exit status that goes with it. */
export function describeFatal(e: unknown): { text: string; status: number } {
  if (isExpected(e)) return { text: `opv: ${oneLine((e as Error).message)}\n`, status: EXIT_FAILURE };
  const stack = e instanceof Error ? (e.stack ?? `${e.name}: ${e.message}`) : `thrown value: ${String(e)}`;
  return {
    text: `opv: internal error\n${stack}\nThis is a bug in opv: please report it with the command line you ran and this output.\n`,
    status: EXIT_SOFTWARE,
  };
}

function oneLine(s: string): string {
  return s.replace(/\s*\n\s*/g, ' ').trim();
}

/** Prints what describeFatal says and exits with its status (stderr to a pipe or file is synchronous). */
export function exitWithError(e: unknown): never {
  const { text, status } = describeFatal(e);
  process.stderr.write(text);
  process.exit(status);
}
