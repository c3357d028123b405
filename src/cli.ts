import { Command, CommanderError } from 'commander';
import { loadCommand, OpvError } from './errors.js';

/**
 * The subcommands, each loaded only when it runs (or when its help is asked for): a
 * server must start, and `opv server --help` must answer, on a machine where the
 * station's native modules (Opus, ALSA) or the dashboards' blessed are missing. Each
 * command module keeps its own heavy imports behind a dynamic import in its action too.
 */
const COMMANDS: readonly { name: string; summary: string; load: () => Promise<Command> }[] = [
  { name: 'server', summary: 'run the conference relay (UDP) with its stats channel (HTTP)', load: async () => (await import('./server/cli.js')).serverCommand() },
  { name: 'station', summary: 'run an Opulent Voice station: chat, push-to-talk voice, history', load: async () => (await import('./station/cli.js')).stationCommand() },
  { name: 'keygen', summary: "create a station's Ed25519 key for authentication", load: async () => (await import('./auth/keygen.js')).keygenCommand() },
  { name: 'doctor', summary: 'check what a station needs before it goes on the air, one line per check with the fix', load: async () => (await import('./doctor/cli.js')).doctorCommand() },
  { name: 'admin', summary: "the sysop's live dashboard of a running `opv server` (its stats channel)", load: async () => (await import('./admin/cli.js')).adminCommand() },
];

/** The subcommand argv names (`opv station …`, `opv help station`), or null. */
export function invokedCommand(argv: readonly string[]): string | null {
  const args = argv.slice(2);
  const first = args.findIndex((a) => !a.startsWith('-'));
  if (first < 0) return null;
  const name = args[first];
  return name === 'help' ? (args[first + 1] ?? null) : (name ?? null);
}

/** The `opv` command with the invoked subcommand loaded and the others by name only (their code unloaded), so `opv --help` lists them. */
export async function buildProgram(argv: readonly string[] = process.argv): Promise<Command> {
  const program = new Command();
  program.name('opv').description('Opulent Voice conference server, station and sysop console').version('0.1.0');
  const wanted = invokedCommand(argv);
  for (const c of COMMANDS) {
    program.addCommand(c.name === wanted ? await loadCommand(c.name, c.load) : new Command(c.name).description(c.summary));
  }
  reportUsageErrorsAsOpvErrors(program, 'opv');
  return program;
}

/**
 * Commander prints usage errors itself and exits; instead each becomes one line through
 * the same path as every other expected error (bin/opv), naming where to find usage.
 */
function reportUsageErrorsAsOpvErrors(cmd: Command, path: string): void {
  cmd.configureOutput({ outputError: () => undefined });
  cmd.exitOverride((err: CommanderError) => {
    // Help or the version has been written: on request (status 0), or instead of an
    // error (`opv` alone, status 1). Nothing more to say.
    if (helpShown(err)) throw err;
    const what = err.message.replace(/^error: /, '');
    throw new OpvError('OPV_BAD_FLAG', `${what} (see ${path} --help)`, { cause: err });
  });
  for (const sub of cmd.commands) reportUsageErrorsAsOpvErrors(sub, `${path} ${sub.name()}`);
}

export async function main(argv: string[]): Promise<void> {
  const program = await buildProgram(argv);
  // The commands import their heavy parts (Opus, ALSA, blessed) when they run, so a
  // package missing from node_modules surfaces here: say which, in one line.
  await loadCommand(invokedCommand(argv) ?? '', () => program.parseAsync(argv)).catch((e: unknown) => {
    if (!(e instanceof CommanderError) || !helpShown(e)) throw e;
    process.exitCode = e.exitCode;
  });
}

function helpShown(e: CommanderError): boolean {
  return e.exitCode === 0 || e.code === 'commander.help';
}
