/** A mistake on the command line: printed as one line, exit status 2, never a stack trace. */
export class CliError extends Error {
  override readonly name = 'CliError';
}
