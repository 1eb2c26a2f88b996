/** An error the CLI reports as one line on stderr, exiting with `exitCode`. */
export class CliError extends Error {
  constructor(message: string, readonly exitCode = 1, readonly code?: string) {
    super(message);
    this.name = 'CliError';
  }
}
