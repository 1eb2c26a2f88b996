// Facts about the machine the tests run on.
import { spawnSync } from 'node:child_process';

export function isRoot(): boolean {
  return process.getuid?.() === 0;
}

/** True when `command` is on PATH (or in /usr/sbin, /sbin, where admin tools live). */
export function hasCommand(command: string): boolean {
  const path = `${process.env.PATH ?? ''}:/usr/sbin:/sbin`;
  return spawnSync('sh', ['-c', 'command -v "$1"', 'sh', command], { stdio: 'ignore', env: { ...process.env, PATH: path } }).status === 0;
}

/** Runs a command without a shell; returns its exit status and output. */
export function run(command: string, args: string[]): { status: number | null; stdout: string; stderr: string } {
  const res = spawnSync(command, args, { encoding: 'utf8', env: { ...process.env, PATH: `${process.env.PATH ?? ''}:/usr/sbin:/sbin` } });
  return { status: res.status, stdout: res.stdout ?? '', stderr: res.stderr ?? '' };
}
