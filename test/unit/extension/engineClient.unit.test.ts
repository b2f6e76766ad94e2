// The extension's side of the engine worker: results and progress arrive by request id, a cancel reaches the
// worker, and a worker stuck in a synchronous fit is terminated and replaced.
import { after, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { EngineCancelledError, EngineClient, EngineError } from '../../../src/extension/engineClient';

// A stand-in worker speaking the ToWorker/FromWorker protocol: 'mark' answers at once (after a progress
// message), 'analyze' with suggest 1 blocks its thread like a long fit and ignores cancels, 'analyze' with
// suggest 2 waits and honours a cancel.
const script = `
const { parentPort } = require('node:worker_threads');
const timers = new Map();
parentPort.on('message', (m) => {
  if (m.type === 'cancel') {
    const t = timers.get(m.id);
    if (t) { clearTimeout(t); parentPort.postMessage({ type: 'error', id: m.id, error: { code: 'cancelled', message: 'cancelled' } }); }
    return;
  }
  const r = m.request;
  if (r.method === 'mark') {
    parentPort.postMessage({ type: 'progress', id: m.id, message: 'marking', fraction: 0.5 });
    parentPort.postMessage({ type: 'result', id: m.id, result: { ok: true, trial: r.params.trialId } });
  } else if (r.params.suggest === 1) {
    const end = Date.now() + 60000; while (Date.now() < end) {}
  } else if (r.params.suggest === 2) {
    timers.set(m.id, setTimeout(() => parentPort.postMessage({ type: 'result', id: m.id, result: 'late' }), 60000));
  } else {
    parentPort.postMessage({ type: 'error', id: m.id, error: { code: 'config-exists', message: 'bad study: line 3', path: '/w/c.yaml' } });
  }
});`;

describe('EngineClient', () => {
  const dir = mkdtempSync(join(tmpdir(), 'mixopt-worker-'));
  const workerPath = join(dir, 'worker.js');
  writeFileSync(workerPath, script);
  const client = new EngineClient(workerPath);
  // The client unrefs its worker (it must not keep VS Code's host alive), so hold the loop open here.
  const keepAlive = setInterval(() => undefined, 1000);
  after(() => {
    clearInterval(keepAlive);
    client.dispose();
  });

  test('results and progress by request id; errors keep their message', async () => {
    const progress: string[] = [];
    const result = await client.request({ method: 'mark', params: { studyFile: 's', trialId: 't1', status: 'failed', actor: 'test' } }, { progress: (m) => progress.push(m) });
    assert.deepEqual(result, { ok: true, trial: 't1' });
    assert.deepEqual(progress, ['marking']);
    // errors arrive as typed values: the code and path decide, not the wording
    await assert.rejects(client.request({ method: 'analyze', params: { studyFile: 's', suggest: 0 } }), (e: unknown) => e instanceof EngineError && e.code === 'config-exists' && e.value.path === '/w/c.yaml' && /bad study: line 3/.test(e.message));
  });

  test('a cancel the worker honours rejects with EngineCancelledError', async () => {
    const controller = new AbortController();
    const pending = client.request({ method: 'analyze', params: { studyFile: 's', suggest: 2 } }, { signal: controller.signal });
    setTimeout(() => controller.abort(), 50);
    await assert.rejects(pending, EngineCancelledError);
  });

  test('a worker stuck in a synchronous fit is terminated within about a second, and the next request works', async () => {
    const controller = new AbortController();
    const started = Date.now();
    const pending = client.request({ method: 'analyze', params: { studyFile: 's', suggest: 1 } }, { signal: controller.signal });
    setTimeout(() => controller.abort(), 100);
    await assert.rejects(pending, EngineCancelledError);
    const waited = Date.now() - started;
    assert.ok(waited < 5000, `cancelled after ${waited} ms`);
    const again = await client.request({ method: 'mark', params: { studyFile: 's', trialId: 't2', status: 'failed', actor: 'test' } });
    assert.deepEqual(again, { ok: true, trial: 't2' });
  });

  test('an already aborted signal never reaches the worker', async () => {
    const controller = new AbortController();
    controller.abort();
    await assert.rejects(client.request({ method: 'analyze', params: { studyFile: 's', suggest: 2 } }, { signal: controller.signal }), EngineCancelledError);
  });
});

describe('EngineClient.start', () => {
  test('starts the worker before the first request, once, and the request then uses that worker', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'mixopt-worker-start-'));
    const bootLog = join(dir, 'boots.txt');
    const workerPath = join(dir, 'worker.js');
    // appends one line each time a worker thread boots; answers 'mark' with the number of boots so far
    writeFileSync(workerPath, `
const { appendFileSync, readFileSync } = require('node:fs');
const { parentPort } = require('node:worker_threads');
appendFileSync(${JSON.stringify(bootLog)}, 'boot\\n');
parentPort.on('message', (m) => {
  const boots = readFileSync(${JSON.stringify(bootLog)}, 'utf8').trim().split('\\n').length;
  parentPort.postMessage({ type: 'result', id: m.id, result: { boots } });
});`);
    const client = new EngineClient(workerPath);
    const keepAlive = setInterval(() => undefined, 1000);
    try {
      client.start();
      client.start();
      const deadline = Date.now() + 10_000;
      while (!existsSync(bootLog) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
      assert.ok(existsSync(bootLog), 'the worker booted without a request');
      const result = await client.request({ method: 'mark', params: { studyFile: 's', trialId: 't', status: 'failed', actor: 'test' } });
      assert.deepEqual(result, { boots: 1 });
    } finally {
      clearInterval(keepAlive);
      client.dispose();
    }
  });
});
