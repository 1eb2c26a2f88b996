// Test support, loaded into every Node process of a test run (`--import` via NODE_OPTIONS, set
// by scripts/run-tests.mjs): copies what the process writes to stdout and stderr into
// $LEASE_TEST_LOG_DIR/<pid>.log, so scripts/scan-secrets.mjs can check the whole run's output
// (servers, agents, workers, CLIs, the tests themselves) for secrets. Does nothing otherwise.
import { openSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { isMainThread } from 'node:worker_threads';

const dir = process.env.LEASE_TEST_LOG_DIR;
let fd;
if (dir && isMainThread) {
  try {
    fd = openSync(join(dir, `${process.pid}.log`), 'a', 0o600);
  } catch {
    // Another account's process (tests run commands as throwaway users) cannot write here.
  }
}
if (fd !== undefined) {
  for (const stream of [process.stdout, process.stderr]) {
    const write = stream.write.bind(stream);
    stream.write = (chunk, ...rest) => {
      try {
        writeSync(fd, typeof chunk === 'string' ? chunk : Buffer.from(chunk));
      } catch {
        // The copy is best effort; the process's own output must not fail because of it.
      }
      return write(chunk, ...rest);
    };
  }
}
