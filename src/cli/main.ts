// The `lease` command line: one file per command under commands/.
import { Command, CommanderError } from 'commander';
import { LeaseError } from '../core/errors.js';
import { VERSION } from '../server/version.js';
import { registerAgent } from './commands/agent.js';
import { registerAudit } from './commands/audit.js';
import { registerCatalog } from './commands/catalog.js';
import { registerConfig } from './commands/config.js';
import { registerCredentials } from './commands/credentials.js';
import { registerHashPassword } from './commands/hash-password.js';
import { registerKeys } from './commands/keys.js';
import { registerList } from './commands/list.js';
import { registerLogin } from './commands/login.js';
import { registerLogout } from './commands/logout.js';
import { registerRequest } from './commands/request.js';
import { registerRevoke } from './commands/revoke.js';
import { registerServer } from './commands/server.js';
import { registerSessions } from './commands/sessions.js';
import { registerSsh } from './commands/ssh.js';
import { registerSuggest } from './commands/suggest.js';
import { registerStatus } from './commands/status.js';
import { registerWhoami } from './commands/whoami.js';
import { registerDecide } from './commands/decide.js';
import { registerExtend } from './commands/extend.js';
import { registerApprovals, registerReviews } from './commands/reviews.js';
import { registerWorker } from './commands/worker.js';
import { registerWorkflow } from './commands/workflow.js';
import { CliError } from './errors.js';
import { printError, terminalSafe } from './output.js';
import { checkServerUrl } from './server-url.js';

const program = new Command('lease')
  .description('Just-in-time privileged access: ask for a role for a while and a reason; it is revoked on time.')
  .version(VERSION)
  .exitOverride()
  .showHelpAfterError()
  // Commander echoes arguments in its errors: escaped like everything else the CLI prints.
  .configureOutput({ writeErr: (text) => process.stderr.write(text.split('\n').map(terminalSafe).join('\n')) });

// Every command's --server is checked before it runs: a bad value is a usage error naming it.
program.hook('preAction', (_program, command) => {
  const server: unknown = command.opts().server;
  if (typeof server === 'string') checkServerUrl(server, '--server');
});

for (const register of [registerServer, registerHashPassword, registerLogin, registerLogout, registerWhoami, registerSessions, registerAgent, registerRequest, registerSuggest, registerStatus, registerList, registerRevoke, registerExtend, registerCredentials, registerSsh, registerDecide, registerApprovals, registerReviews, registerCatalog, registerAudit, registerConfig, registerWorkflow, registerWorker, registerKeys]) {
  register(program);
}

try {
  await program.parseAsync(process.argv);
} catch (err) {
  if (err instanceof CommanderError) {
    process.exit(err.exitCode === 0 ? 0 : 2);
  }
  if (err instanceof CliError) {
    printError(`lease: ${err.message}`);
    process.exit(err.exitCode);
  }
  if (err instanceof LeaseError) {
    // Config errors list every problem, one per line, with file and path.
    for (const [i, line] of err.message.split('\n').entries()) printError(i === 0 ? `lease: ${line}` : line);
    process.exit(2);
  }
  printError(`lease: unexpected error: ${err instanceof Error ? err.message : String(err)}`);
  process.exit(1);
}
