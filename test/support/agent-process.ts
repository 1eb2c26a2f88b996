// Spawns the real `lease agent` (bin/lease.js → dist/) for whole-system tests: on a free port,
// for one $LEASE_HOME, with its output kept for the tests to read.
import { spawn, type ChildProcess } from 'node:child_process';
import { LEASE_BIN, ROOT } from './lease-process.js';
import { stopProcess } from './stop-process.js';

export interface AgentProcess {
  child: ChildProcess;
  url: string;
  output: () => string;
  exited: Promise<number | null>;
  /** SIGTERM (SIGKILL after 5 s) unless it already exited; resolves once it did. */
  stop: () => Promise<void>;
}

/** Starts `lease agent --port 0` for `home`; resolves once it printed its URL. */
export function startAgentProcess(home: string): Promise<AgentProcess> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [LEASE_BIN, 'agent', '--port', '0'], { cwd: ROOT, env: { ...process.env, LEASE_HOME: home }, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    let settled = false;
    const exited = new Promise<number | null>((done) => child.once('exit', (code) => done(code)));
    const onData = (d: Buffer) => {
      output += d.toString();
      const match = /listening on (http:\/\/\S+)/.exec(output);
      if (match && !settled) {
        settled = true;
        resolve({ child, url: match[1] as string, output: () => output, exited, stop: () => stopProcess(child, exited) });
      }
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', onData);
    void exited.then((code) => {
      if (!settled) reject(new Error(`lease agent exited ${code} before it was ready:\n${output}`));
    });
  });
}
