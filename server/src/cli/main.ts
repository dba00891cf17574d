import { Command, CommanderError } from 'commander';
import { ChexgenError, type ErrorCode } from '../errors.js';
import { cohortCommand } from './commands/cohortCommand.js';
import { deliverCommand } from './commands/deliverCommand.js';
import { modelsCommand } from './commands/modelsCommand.js';
import { reproduceCommand } from './commands/reproduceCommand.js';
import { serveCommand } from './commands/serveCommand.js';
import { synthesizeCommand } from './commands/synthesizeCommand.js';
import { workerCommand } from './commands/workerCommand.js';

/** Exit status per error code, so scripts can tell bad input (2) from a missing or broken model (3). */
const EXIT_CODES: Record<ErrorCode, number> = {
  INVALID_FIELD: 2, MODEL_NOT_FOUND: 3, MODEL_INVALID: 3, PACS_REJECTED: 4, PACS_NOT_FOUND: 4, PACS_UNAVAILABLE: 5,
  NOT_FOUND: 4, JOB_FINISHED: 2, IDEMPOTENCY_CONFLICT: 2, UNAUTHORIZED: 4, PAYLOAD_TOO_LARGE: 2, UNAVAILABLE: 5,
  FORBIDDEN: 4, TOO_MANY_REQUESTS: 5, STORAGE_FULL: 6,
};

/** Builds the `chexgen` program (separate from running it, so tests can drive it with exitOverride). */
export function buildProgram(): Command {
  return new Command('chexgen')
    .description('chexgen: synthetic chest radiographs from report text, masks and boxes (research use, not for diagnosis)')
    .addCommand(synthesizeCommand())
    .addCommand(cohortCommand())
    .addCommand(reproduceCommand())
    .addCommand(deliverCommand())
    .addCommand(modelsCommand())
    .addCommand(serveCommand())
    .addCommand(workerCommand())
    .showHelpAfterError();
}

/** Runs the CLI and returns the exit status. */
export async function main(argv: string[]): Promise<number> {
  const program = buildProgram().exitOverride();
  for (const cmd of program.commands) cmd.exitOverride();
  try {
    await program.parseAsync(argv);
    return 0;
  } catch (error) {
    if (error instanceof CommanderError) return error.exitCode;
    if (error instanceof ChexgenError) {
      process.stderr.write(`chexgen: ${error.message}\n`);
      return EXIT_CODES[error.code];
    }
    process.stderr.write(`chexgen: internal error: ${error instanceof Error ? error.stack ?? error.message : String(error)}\n`);
    return 1;
  }
}
