// Stopping a child process that test helpers started (lease server, lease agent, moto, Temporal).
import type { ChildProcess } from 'node:child_process';

/** SIGTERM, then SIGKILL if it is still running after 5 s; resolves once it exited. */
export async function stopProcess(child: ChildProcess, exited: Promise<unknown>): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), 5_000);
  await exited;
  clearTimeout(timer);
}
