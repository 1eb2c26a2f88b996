// Errors of dispatching provider calls to host agents. Codes are stable (API, audit, tests).
import { LeaseError } from '../../core/index.js';

/** The host has not fetched tasks lately: it is down or cut off. Transient (503): retried. */
export class HostOffline extends LeaseError {
  constructor(host: string) {
    super('host_offline', `host agent ${JSON.stringify(host)} is not connected; the task is kept and runs when it is back`, { status: 503 });
  }
}

/** The host did not answer the task in time. Transient (504): retried; the task stays queued. */
export class HostTimeout extends LeaseError {
  constructor(host: string, kind: string) {
    super('host_timeout', `host agent ${JSON.stringify(host)} did not answer the ${kind} task in time`, { status: 504 });
  }
}

/** The host ran the task and it failed; carries the host's own code and status (< 500: a refusal). */
export class HostTaskFailed extends LeaseError {
  constructor(host: string, error: { code: string; message: string; status: number }) {
    super(error.code, `host ${host}: ${error.message}`, { status: error.status });
  }
}

/** The host answered with something that is not a valid result for the task. */
export class HostAnswerInvalid extends LeaseError {
  constructor(host: string, message: string) {
    super('host_answer_invalid', `host agent ${JSON.stringify(host)} answered an invalid result: ${message}`, { status: 502 });
  }
}

/** No or a wrong host credential. Deliberately says nothing about which. */
export class HostUnauthorized extends LeaseError {
  constructor() {
    super('unauthorized', 'missing or wrong host credential', { status: 401 });
  }
}

/** The same host id is declared with two different credential hashes. */
export class HostCredentialConflict extends LeaseError {
  constructor(host: string, providers: [string, string]) {
    super('host_credential_conflict', `providers ${providers.map((p) => JSON.stringify(p)).join(' and ')} bind host ${JSON.stringify(host)} with different agent_credential_sha256`, {
      status: 500,
      field: `providers.${providers[1]}.config.agent_credential_sha256`,
    });
  }
}

/** The process is stopping: waits end. */
export class HostChannelClosed extends LeaseError {
  constructor() {
    super('host_channel_closed', 'the server is stopping', { status: 503 });
  }
}
