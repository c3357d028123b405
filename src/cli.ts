import { Command } from 'commander';
import { serverCommand } from './server/cli.js';
import { stationCommand } from './station/cli.js';
import { adminCommand } from './admin/cli.js';

/** The `opv` command: each subcommand registers itself from its own module. */
export function buildProgram(): Command {
  const program = new Command();
  program
    .name('opv')
    .description('Opulent Voice conference server, station and sysop console')
    .version('0.1.0')
    .showHelpAfterError('(run with --help for usage)');
  program.addCommand(serverCommand());
  program.addCommand(stationCommand());
  program.addCommand(adminCommand());
  return program;
}

export async function main(argv: string[]): Promise<void> {
  const program = buildProgram();
  await program.parseAsync(argv);
}
