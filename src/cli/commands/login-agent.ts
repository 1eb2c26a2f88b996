// `lease login` through a running agent: the agent starts the login with the server, hosts the
// callback the browser comes back to, trades the one-time code for the session and seals it in
// its vault. The CLI only shows the URL and waits; it never holds the token.
import { AgentError, type AgentSessionStore } from '../../agent/agent-client.js';
import type { SessionSummary } from '../../agent/session.js';
import { CliError } from '../errors.js';
import { BROWSER_LOGIN_TIMEOUT_MS, openBrowser } from './login-browser.js';

/** Each wait asks the agent to hold the request this long (it answers sooner when the login ends). */
const WAIT_SECONDS = 30;

/**
 * The stored session's summary, or undefined when this agent cannot host logins (an older
 * agent without /v1/logins): the caller then hosts the callback itself.
 */
export async function agentLogin(options: {
  agent: AgentSessionStore;
  server: string;
  provider: string;
  browser: boolean;
  show: (loginUrl: string) => void;
  timeoutMs?: number;
}): Promise<SessionSummary | undefined> {
  let started: { login_id: string; url: string };
  try {
    started = await options.agent.startLogin(options.server, options.provider);
  } catch (err) {
    if (err instanceof AgentError && err.code === 'not_found') return undefined;
    if (err instanceof AgentError) {
      const hint = err.code === 'identity_provider_not_found' ? '; for a password login pass --username U --password-stdin' : '';
      throw new CliError(`${err.message}${hint}`, 1, err.code);
    }
    throw err;
  }
  options.show(started.url);
  if (options.browser) openBrowser(started.url);
  const deadline = Date.now() + (options.timeoutMs ?? BROWSER_LOGIN_TIMEOUT_MS);
  for (;;) {
    const remaining = deadline - Date.now();
    if (remaining <= 0) throw new CliError(`no login within ${Math.round((options.timeoutMs ?? BROWSER_LOGIN_TIMEOUT_MS) / 60_000)} minutes; run lease login again`, 1, 'login_timeout');
    const login = await options.agent.login(started.login_id, Math.min(WAIT_SECONDS, Math.ceil(remaining / 1000)));
    if (login.status === 'succeeded' && login.session) return login.session;
    if (login.status === 'failed') {
      const code = login.error?.code ?? 'login_failed';
      throw new CliError(`login failed${code === 'login_failed' || code === 'access_denied' ? ' at the identity provider' : `: ${login.error?.message ?? ''}`} [${code}]`, 1, code);
    }
  }
}
