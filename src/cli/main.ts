// The `lease` command line: one file per command under commands/.
import { Command, CommanderError } from 'commander';
import { LeaseError } from '../core/index.js';
import { VERSION } from '../server/version.js';
import { registerAgent } from './commands/agent.js';
import { registerAudit } from './commands/audit.js';
import { registerCatalog } from './commands/catalog.js';
import { registerConfig } from './commands/config.js';
import { registerHashPassword } from './commands/hash-password.js';
import { registerList } from './commands/list.js';
import { registerLogin } from './commands/login.js';
import { registerLogout } from './commands/logout.js';
import { registerRequest } from './commands/request.js';
import { registerRevoke } from './commands/revoke.js';
import { registerServer } from './commands/server.js';
import { registerSessions } from './commands/sessions.js';
import { registerStatus } from './commands/status.js';
import { registerWhoami } from './commands/whoami.js';
import { registerDecide } from './commands/decide.js';
import { registerWorker } from './commands/worker.js';
import { registerWorkflow } from './commands/workflow.js';
import { CliError } from './errors.js';

const program = new Command('lease')
  .description('Just-in-time privileged access: ask for a role for a while and a reason; it is revoked on time.')
  .version(VERSION)
  .exitOverride()
  .showHelpAfterError();

for (const register of [registerServer, registerHashPassword, registerLogin, registerLogout, registerWhoami, registerSessions, registerAgent, registerRequest, registerStatus, registerList, registerRevoke, registerDecide, registerCatalog, registerAudit, registerConfig, registerWorkflow, registerWorker]) {
  register(program);
}

try {
  await program.parseAsync(process.argv);
} catch (err) {
  if (err instanceof CommanderError) {
    process.exit(err.exitCode === 0 ? 0 : 2);
  }
  if (err instanceof CliError) {
    process.stderr.write(`lease: ${err.message}\n`);
    process.exit(err.exitCode);
  }
  if (err instanceof LeaseError) {
    // Config errors list every problem, one per line, with file and path.
    process.stderr.write(`lease: ${err.message}\n`);
    process.exit(2);
  }
  process.stderr.write(`lease: unexpected error: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(1);
}
