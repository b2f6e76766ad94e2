// The engine's transfer check end to end: in a study whose small model is noise the Posterior view says the smaller
// size does not help predict the target; in one whose small model tracks the target it says it does.
import { after, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { forgetEngineState, runEngine } from '../../../src/engine/engine';
import { Rng } from '../../../src/core/random';
import { twoSizeStudy } from '../../helpers/studies';

const STUDY = twoSizeStudy('transfer', 3);

function workspace(cheap: 'tracks' | 'noise', options: { runs?: number; targetEvery?: number; budget?: number } = {}): string {
  const dir = mkdtempSync(join(tmpdir(), `mixopt-transfer-${cheap}-`));
  writeFileSync(join(dir, 'transfer.mixopt.yaml'), options.budget === undefined ? STUDY : STUDY.replace('budget: {total: 100,', `budget: {total: ${options.budget},`));
  mkdirSync(join(dir, 'runs'));
  const rng = new Rng(cheap === 'tracks' ? 1 : 2);
  const lines: string[] = [];
  for (let i = 0; i < (options.runs ?? 48); i++) {
    const e = [0, 1, 2].map(() => -Math.log(1 - rng.next()));
    const total = e[0]! + e[1]! + e[2]!;
    const [web, code, books] = e.map((x) => x / total) as [number, number, number];
    const truth = 2.5 + 0.8 * (web - 0.5) ** 2 + 0.6 * (code - 0.3) ** 2 + 0.2 * books;
    const atTarget = i % (options.targetEvery ?? 4) === 0;
    const loss = atTarget ? truth + 0.005 * rng.normal() : cheap === 'tracks' ? truth + 0.9 + 0.005 * rng.normal() : 3.4 + 0.3 * rng.normal();
    lines.push(JSON.stringify({ run: `r${i}`, step: 1000, model: atTarget ? '1B' : '10M', mixture: { web, code, books }, metrics: { val_loss: loss } }));
  }
  writeFileSync(join(dir, 'runs', 'log.jsonl'), `${lines.join('\n')}\n`);
  return dir;
}

describe('engine: transfer check', () => {
  const dirs: string[] = [];
  after(() => {
    forgetEngineState();
    for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
  });

  test('a noise small model: the check says the smaller size does not help predict the target', async () => {
    const dir = workspace('noise');
    dirs.push(dir);
    forgetEngineState();
    const snapshot = await runEngine({ method: 'analyze', params: { studyFile: join(dir, 'transfer.mixopt.yaml'), suggest: 2 } });
    const transfer = snapshot.posterior?.transfer;
    assert.ok(transfer, 'the posterior view carries the check');
    assert.equal(transfer.targetRuns, 12);
    assert.equal(transfer.smallerSizesHelp, false, `with cheap ${transfer.withCheap}, target only ${transfer.targetOnly}`);
    assert.ok(transfer.targetOnly >= transfer.withCheap);
    assert.ok(snapshot.suggestions && snapshot.suggestions.length === 2);
    assert.ok(snapshot.suggestions.every((s) => s.model === '1B'), `only target runs: ${snapshot.suggestions.map((s) => s.model).join(', ')}`);
    assert.match(snapshot.suggestionNote ?? '', /smaller sizes do not predict the 1B runs/);
    assert.ok(snapshot.recommendation, 'a recommendation');
  });

  test('a small model that tracks the target: the check says it helps', async () => {
    const dir = workspace('tracks');
    dirs.push(dir);
    forgetEngineState();
    const snapshot = await runEngine({ method: 'analyze', params: { studyFile: join(dir, 'transfer.mixopt.yaml'), suggest: 1 } });
    const transfer = snapshot.posterior?.transfer;
    assert.ok(transfer);
    assert.equal(transfer.smallerSizesHelp, true, `with cheap ${transfer.withCheap}, target only ${transfer.targetOnly}`);
    assert.ok(transfer.withCheap > transfer.targetOnly);
    assert.doesNotMatch(snapshot.suggestionNote ?? '', /do not predict|keeps runs of smaller models/);
  });

  test('proxies that hold half the target spend: the next suggestions are target runs, and the note says why', async () => {
    // the first run (i = 0) at 1B, the others at 10M for 0.02 each: 19 of them (0.38) stay under half of 1
    const dir = workspace('tracks', { runs: 20, targetEvery: 1000 });
    dirs.push(dir);
    forgetEngineState();
    const snapshot = await runEngine({ method: 'analyze', params: { studyFile: join(dir, 'transfer.mixopt.yaml'), suggest: 1 } });
    assert.ok(snapshot.suggestions?.length === 1);
    assert.doesNotMatch(snapshot.suggestionNote ?? '', /Runs below 1B/, 'under half the target spend: no rule applies');
    const more = workspace('tracks', { runs: 80, targetEvery: 1000 });
    dirs.push(more);
    forgetEngineState();
    const capped = await runEngine({ method: 'analyze', params: { studyFile: join(more, 'transfer.mixopt.yaml'), suggest: 2 } });
    assert.ok(capped.suggestions && capped.suggestions.length === 2);
    assert.ok(capped.suggestions.every((s) => s.model === '1B'), `79 x 0.02 = 1.58 against 1: ${capped.suggestions.map((s) => s.model).join(', ')}`);
    assert.match(capped.suggestionNote ?? '', /Runs below 1B have cost 1\.58 .* against 1 at 1B/);
  });

  test('the spend rule gives way where no target run fits the budget left', async () => {
    // spent 1 + 79 x 0.02 = 2.58 of 3.08: 0.5 left, a 1B run (1) no longer fits
    const dir = workspace('tracks', { runs: 80, targetEvery: 1000, budget: 3.08 });
    dirs.push(dir);
    forgetEngineState();
    const snapshot = await runEngine({ method: 'analyze', params: { studyFile: join(dir, 'transfer.mixopt.yaml'), suggest: 1 } });
    assert.equal(snapshot.suggestions?.[0]?.model, '10M');
    assert.doesNotMatch(snapshot.suggestionNote ?? '', /Runs below 1B/);
    assert.match(snapshot.suggestionNote ?? '', /1B \(1\) no longer fits/);
  });
});
