import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { readinessCheck, type ServerPhase } from './readiness.js';

const ok = () => Promise.resolve();
const never = () => new Promise<void>(() => undefined);

describe('readiness', () => {
  it('is ready when running and both the store and the engine answer', async () => {
    assert.deepEqual(await readinessCheck({ phase: () => 'running', pingStore: ok, checkEngine: ok })(), { ready: true });
  });

  it('answers starting and stopping from the phase alone, without touching the store', async () => {
    let phase: ServerPhase = 'starting';
    let pinged = 0;
    const check = readinessCheck({ phase: () => phase, pingStore: async () => void pinged++, checkEngine: ok });
    assert.equal(((await check()) as { code: string }).code, 'starting');
    phase = 'stopping';
    assert.equal(((await check()) as { code: string }).code, 'stopping');
    assert.equal(pinged, 0);
  });

  it('names the store when it fails, with its error message', async () => {
    const result = await readinessCheck({ phase: () => 'running', pingStore: () => Promise.reject(new Error('The database connection is not open')), checkEngine: ok })();
    assert.deepEqual(result, { ready: false, code: 'store_unavailable', message: 'the store does not answer: The database connection is not open' });
  });

  it('names the engine when it does not answer in time', async () => {
    const result = await readinessCheck({ phase: () => 'running', pingStore: ok, checkEngine: never, timeoutMs: 20 })();
    assert.deepEqual(result, { ready: false, code: 'engine_unavailable', message: 'the workflow engine does not answer: no answer within 20 ms' });
  });

  it('reports the store first when both are down', async () => {
    const result = await readinessCheck({ phase: () => 'running', pingStore: never, checkEngine: never, timeoutMs: 20 })();
    assert.equal((result as { code: string }).code, 'store_unavailable');
  });
});
