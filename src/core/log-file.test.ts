import assert from 'node:assert/strict';
import { mkdtemp, readdir, readFile, rm, utimes, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, it } from 'node:test';
import { openLogFile } from './log-file.js';

describe('a log file Lease writes itself', () => {
  let dir: string;
  beforeEach(async () => (dir = await mkdtemp(join(tmpdir(), 'lease-log-file-'))));
  afterEach(() => rm(dir, { recursive: true, force: true }));

  it('keeps one UTC day per file: at the change of day the file is renamed with its day and writing goes on in a new one', async () => {
    let now = new Date('2026-12-05T23:59:30Z');
    const path = join(dir, 'logs', 'lease.log');
    const file = openLogFile(path, { now: () => now });
    try {
      file.stream.write('line of the 5th\n');
      now = new Date('2026-12-06T00:00:30Z');
      file.check();
      file.stream.write('line of the 6th\n');
      assert.equal(await readFile(join(dir, 'logs', 'lease.log.2026-12-05'), 'utf8'), 'line of the 5th\n');
      assert.equal(await readFile(path, 'utf8'), 'line of the 6th\n');
      file.check();
      assert.deepEqual((await readdir(join(dir, 'logs'))).sort(), ['lease.log', 'lease.log.2026-12-05']);
    } finally {
      file.stop();
    }
  });

  it('rotates at start a file last written on an earlier day, without overwriting a file of that day', async () => {
    const path = join(dir, 'lease.log');
    await writeFile(path, 'from before the restart\n');
    await writeFile(`${path}.2026-12-04`, 'renamed earlier that day\n');
    await utimes(path, new Date('2026-12-04T18:00:00Z'), new Date('2026-12-04T18:00:00Z'));
    const file = openLogFile(path, { now: () => new Date('2026-12-06T08:00:00Z') });
    try {
      file.stream.write('after the restart\n');
      assert.equal(await readFile(`${path}.2026-12-04`, 'utf8'), 'renamed earlier that day\n');
      assert.equal(await readFile(`${path}.2026-12-04.1`, 'utf8'), 'from before the restart\n');
      assert.equal(await readFile(path, 'utf8'), 'after the restart\n');
    } finally {
      file.stop();
    }
  });

  it('deletes dated files older than the retention (30 days by default) and nothing else', async () => {
    const path = join(dir, 'lease.log');
    for (const name of ['lease.log.2026-11-05', 'lease.log.2026-11-06', 'lease.log.2026-11-06.1', 'lease.log.2026-11-07', 'lease.log.2025-01-01', 'other.log.2020-01-01', 'lease.log.old']) {
      await writeFile(join(dir, name), 'x\n');
    }
    const file = openLogFile(path, { now: () => new Date('2026-12-06T12:00:00Z') });
    file.stop();
    assert.deepEqual((await readdir(dir)).sort(), ['lease.log', 'lease.log.2026-11-06', 'lease.log.2026-11-06.1', 'lease.log.2026-11-07', 'lease.log.old', 'other.log.2020-01-01']);

    const shorter = openLogFile(path, { retentionDays: 1, now: () => new Date('2026-12-06T12:00:00Z') });
    shorter.stop();
    assert.deepEqual((await readdir(dir)).sort(), ['lease.log', 'lease.log.old', 'other.log.2020-01-01']);
  });
});
