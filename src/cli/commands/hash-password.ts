import type { Command } from 'commander';
import { CliError } from '../errors.js';
import { printLine } from '../output.js';
import { readStdin } from '../stdin.js';

export function registerHashPassword(program: Command): void {
  program
    .command('hash-password')
    .description('read a password on stdin and print its salted scrypt hash for a local user')
    .action(async () => {
      const password = (await readStdin()).replace(/\r?\n$/, '');
      if (password === '') throw new CliError('no password on stdin (echo secret | lease hash-password)', 2);
      const { hashPassword } = await import('../../identity/index.js');
      printLine(await hashPassword(password));
    });
}
