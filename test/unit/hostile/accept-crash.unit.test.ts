// Issue 12 #4: accept killed (kill -9) right after each of its file operations in turn, then retried. After the
// retry: the ledger reads without a problem, no config is left that the ledger does not know, no temp file is
// left, the lock is free, and the retry completed an acceptance (the crashed one when its config was written).
import { after, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { forgetEngineState, runEngine } from '../../../src/engine/engine';
import { ledgerPathFor } from '../../../src/ledger/append';
import { foldTrials, parseLedger } from '../../../src/ledger/ledger';
import { runChild } from './processes';
import { makeWorkspace } from './workspace';

describe('accept survives a crash at any file operation', () => {
  const dirs: string[] = [];
  after(() => {
    for (const d of dirs) rmSync(d, { recursive: true, force: true });
  });

  test('kill -9 after each file operation, then retry', { timeout: 300_000 }, async (t) => {
    const clean = makeWorkspace();
    dirs.push(clean.dir);
    const full = runChild([clean.studyFile, '0']);
    assert.equal(full.replies[0]?.ok, true, full.stderr);
    const total = full.replies[0].ops!;
    assert.ok(total >= 10, `accept does ${total} file operations`);
    const seen: string[] = [];
    for (let k = 1; k <= total; k++) {
      const ws = makeWorkspace();
      dirs.push(ws.dir);
      const crashed = runChild([ws.studyFile, String(k)]);
      assert.equal(crashed.signal, 'SIGKILL', `step ${k}: the child was killed (${crashed.stderr})`);
      const op = crashed.replies[0]?.crashed;
      assert.ok(op, `step ${k}: the child said where it stopped`);
      seen.push(op);

      forgetEngineState();
      const retry = await runEngine({ method: 'accept', params: { studyFile: ws.studyFile, fresh: { batch: 1, index: 0 }, actor: 'retry' } });
      const ledgerPath = ledgerPathFor(ws.studyFile);
      const ledger = parseLedger(readFileSync(ledgerPath, 'utf8'), ledgerPath);
      assert.deepEqual(ledger.diagnostics, [], `step ${k} (${op}): the ledger reads`);
      const trials = foldTrials(ledger.events);
      const pending = trials.filter((x) => x.status === 'pending');
      assert.ok(pending.some((x) => x.id === retry.trialId), `step ${k} (${op}): the retry's trial is pending`);
      assert.ok(existsSync(retry.configPath), `step ${k} (${op}): the retry's config exists`);
      const generated = join(ws.dir, 'configs', 'generated');
      const files = readdirSync(generated);
      assert.deepEqual(files.filter((f) => f.endsWith('.tmp')), [], `step ${k} (${op}): no temp file`);
      for (const f of files) {
        const id = f.replace(/\.yaml$/, '');
        assert.ok(pending.some((x) => x.id === id), `step ${k} (${op}): config ${f} belongs to a pending trial`);
      }
      // once the crashed accept had written its config, the retry completes that trial instead of a new one
      if (files.length > 0 && retry.recovered?.length) assert.equal(retry.trialId, retry.recovered[0]);
      // killed after its last operation, the first accept had finished: the retry is a second acceptance
      assert.equal(pending.length, k === total ? 2 : 1, `step ${k} (${op}): trials accepted in all`);
      assert.ok(!existsSync(join(ws.dir, '.mixopt', 'accept.lock')), `step ${k} (${op}): the lock is free`);
    }
    t.diagnostic(`crash points: ${seen.join(', ')}`);
    for (const op of ['lock', 'append', 'create', 'write', 'fsync', 'link', 'unlink']) assert.ok(seen.includes(op), `the crash points include ${op}`);
  });
});
