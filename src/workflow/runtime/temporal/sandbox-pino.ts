// Workflow sandbox only: stands in for pino in the bundle. The interpreter reaches core/ through
// its index, and core/logger.ts builds `silentLogger` when loaded; workflow code never logs.
const noop = (): void => undefined;

interface SandboxLogger {
  level: string;
  child(): SandboxLogger;
  [method: string]: unknown;
}

export function pino(): SandboxLogger {
  const logger: SandboxLogger = { level: 'silent', child: () => logger, trace: noop, debug: noop, info: noop, warn: noop, error: noop, fatal: noop };
  return logger;
}
pino.destination = noop;

export default pino;
