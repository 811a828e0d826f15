import { MAIN_HELP } from './commands/help.js';
import type { Io } from './commands/io.js';
import { modulesCommand } from './commands/modules.js';
import { replayCommand } from './commands/replay.js';
import { CliError } from './usage-error.js';
import { version } from './version.js';

/** The `ctrack` command: dispatch, and turn errors into "ctrack: ..." and an exit status. */
export async function main(argv: readonly string[], io: Io): Promise<number> {
  const [cmd, ...rest] = argv;
  try {
    switch (cmd) {
      case 'replay':
        return await replayCommand(rest, io);
      case 'modules':
        return await modulesCommand(rest, io);
      case undefined:
        // No command is a usage error: the help goes to stderr (stdout may be a pipe
        // expecting output), status 2.
        io.stderr(MAIN_HELP);
        return 2;
      case '-h':
      case '--help':
      case 'help':
        io.stdout(MAIN_HELP);
        return 0;
      case '-V':
      case '--version':
      case 'version':
        io.stdout(`ctrack ${version()}\n`);
        return 0;
      default:
        io.stderr(`ctrack: unknown command "${cmd}" (see ctrack --help)\n`);
        return 2;
    }
  } catch (e) {
    if (e instanceof CliError) {
      io.stderr(`ctrack: ${e.message}\n`);
      return e.exitCode;
    }
    throw e;
  }
}
