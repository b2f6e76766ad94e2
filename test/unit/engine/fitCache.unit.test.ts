// The fitted-hyperparameter cache in .mixopt/cache/ and the rule for when a fit re-optimises: unit checks of the
// rule and of the file (round trip, anything malformed ignored), then the engine on a 420-run study across
// "processes" (forgetEngineState), with runs added below and above the 5% threshold and an explicit refit.
import { MODEL_DEFAULTS } from '../../../src/core/gp/config';
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { appendFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fitGp } from '../../../src/core/gp/fit';
import type { GpConfig } from '../../../src/core/gp/config';
import { forgetEngineState, runEngine } from '../../../src/engine/engine';
import { ALWAYS_OPTIMISE_BELOW, fitCachePath, loadFit, loadRecommended, needsOptimisation, observationKey, recommendedPath, saveFit, saveRecommended } from '../../../src/engine/fitCache';
import type { OptimisedFit } from '../../../src/engine/fitCache';
import type { StudySnapshot } from '../../../src/protocol/snapshot';

const keys = (count: number, prefix = 'k'): string[] => Array.from({ length: count }, (_, i) => `${prefix}${i}`);
const CONFIG: GpConfig = { mixtureKernel: 'rbf', ard: false, fidelityKernel: 'rbf', mean: 'constant' };

function smallFit(): OptimisedFit {
  const data = new Float64Array([0.2, 0.8, 0, 1, 0.5, 0.5, 0, 1, 0.9, 0.1, 0, 1, 0.4, 0.6, 1, 1]);
  const gp = fitGp({ n: 4, d: 2, data }, new Float64Array([1, 2, 1.5, 0.7]), CONFIG);
  return { hyperparameters: gp.hyperparameters(), optimisedOn: new Set(['a', 'b', 'c', 'd']) };
}

describe('when a fit re-optimises the hyperparameters', () => {
  const base = keys(1000);
  const fit = { hyperparameters: smallFit().hyperparameters, optimisedOn: new Set(base) };
  test('with nothing optimised before, or below the small-data threshold, always', () => {
    assert.equal(needsOptimisation(undefined, base), true);
    const small = { ...fit, optimisedOn: new Set(keys(ALWAYS_OPTIMISE_BELOW - 2)) };
    assert.equal(needsOptimisation(small, keys(ALWAYS_OPTIMISE_BELOW - 1)), true);
  });
  test('the same observations, or up to 5% more, keep them', () => {
    assert.equal(needsOptimisation(fit, base), false);
    assert.equal(needsOptimisation(fit, [...base, ...keys(50, 'new')]), false);
    assert.equal(needsOptimisation(fit, [...base].reverse()), false, 'order does not matter');
  });
  test('more than 5% new observations, or any observation gone or changed, re-optimise', () => {
    assert.equal(needsOptimisation(fit, [...base, ...keys(51, 'new')]), true);
    assert.equal(needsOptimisation(fit, base.slice(1)), true, 'one observation removed');
    assert.equal(needsOptimisation(fit, [...base.slice(1), 'changed']), true, 'one value changed');
  });
  test('an observation key depends on mixture, fidelity and value', () => {
    const o = { w: Float64Array.from([0.25, 0.75]), s: 0.5, z: 1, y: 2.5 };
    assert.equal(observationKey(o), observationKey({ ...o, w: Float64Array.from([0.25, 0.75]) }));
    for (const changed of [{ ...o, y: 2.5000001 }, { ...o, s: 0.6 }, { ...o, z: 0.9 }, { ...o, w: Float64Array.from([0.26, 0.74]) }]) {
      assert.notEqual(observationKey(changed), observationKey(o));
    }
  });
});

describe('the cache file', () => {
  let dir = '';
  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'mixopt-fitcache-'));
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  test('lives in .mixopt/cache beside the study, one file a study, ignored by git', () => {
    const path = fitCachePath(join(dir, 'pile.mixopt.yaml'));
    assert.equal(path, join(dir, '.mixopt', 'cache', 'pile.fit.json'));
    assert.equal(saveFit(path, ['a', 'b'], smallFit()), undefined);
    assert.match(readFileSync(join(dir, '.mixopt', 'cache', '.gitignore'), 'utf8'), /^\*$/m);
  });

  test('round trip: what was saved loads back for the same domains and model configuration', () => {
    const path = join(dir, 'round.fit.json');
    const fit = smallFit();
    assert.equal(saveFit(path, ['a', 'b'], fit), undefined);
    const loaded = loadFit(path, ['a', 'b'], CONFIG);
    assert.ok(loaded);
    assert.deepEqual(loaded.hyperparameters.theta, fit.hyperparameters.theta);
    assert.deepEqual([...loaded.optimisedOn].sort(), ['a', 'b', 'c', 'd']);
    assert.equal(loadFit(path, ['b', 'a'], CONFIG), undefined, 'domains in another order');
    assert.equal(loadFit(path, ['a', 'b', 'c'], CONFIG), undefined, 'another number of domains');
    assert.equal(loadFit(path, ['a', 'b'], { ...CONFIG, mixtureKernel: 'matern52' }), undefined, 'another kernel');
  });

  test('a missing, truncated, corrupt or tampered file is ignored, never thrown', () => {
    const path = join(dir, 'bad.fit.json');
    assert.equal(loadFit(join(dir, 'missing.json'), ['a', 'b'], CONFIG), undefined);
    assert.equal(saveFit(path, ['a', 'b'], smallFit()), undefined);
    const text = readFileSync(path, 'utf8');
    for (let cut = 0; cut < text.length; cut += Math.max(1, Math.floor(text.length / 97))) {
      writeFileSync(path, text.slice(0, cut));
      assert.equal(loadFit(path, ['a', 'b'], CONFIG), undefined, `truncated at ${cut}`);
    }
    const stored = JSON.parse(text) as { hyperparameters: { theta: unknown[] }; version: number };
    for (const tamper of [
      { ...stored, version: 2 },
      { ...stored, hyperparameters: { ...stored.hyperparameters, theta: ['x', ...stored.hyperparameters.theta.slice(1)] } },
      { ...stored, hyperparameters: { ...stored.hyperparameters, theta: stored.hyperparameters.theta.slice(1) } },
      { ...stored, optimisedOn: [1, 2] },
      null,
      [],
    ]) {
      writeFileSync(path, JSON.stringify(tamper));
      assert.equal(loadFit(path, ['a', 'b'], CONFIG), undefined, JSON.stringify(tamper).slice(0, 60));
    }
    writeFileSync(path, '\u0000\u00ff{{{');
    assert.equal(loadFit(path, ['a', 'b'], CONFIG), undefined);
  });

  test('a place that cannot be written gives a message, not an exception', () => {
    const blocker = join(dir, 'not-a-folder');
    writeFileSync(blocker, 'a file where the cache folder would go');
    const message = saveFit(join(blocker, 'cache', 'x.fit.json'), ['a', 'b'], smallFit());
    assert.match(message ?? '', /ENOTDIR|EEXIST|not a directory/i);
  });
});

describe('the engine keeps and reuses the fit', { timeout: 300_000 }, () => {
  let dir = '';
  let studyFile = '';
  let runsFile = '';
  let next = 0;
  const runs = (count: number): string => {
    const lines: string[] = [];
    for (let i = 0; i < count; i++, next++) {
      // a deterministic spread of mixtures over three domains, two model sizes, a smooth loss
      const a = ((next * 0.618034) % 1) * 0.9 + 0.05;
      const b = ((next * 0.414214) % 1) * (1 - a);
      const mixture = { web: a, code: b, books: 1 - a - b };
      const model = next % 5 === 0 ? '100M' : '10M';
      const loss = 3 + (a - 0.4) ** 2 + 0.5 * (b - 0.2) ** 2 + (model === '10M' ? 0.5 : 0) + 0.01 * Math.sin(next);
      lines.push(JSON.stringify({ run: `r${next}`, step: 1000, model, mixture, metrics: { val_loss: loss } }));
    }
    return `${lines.join('\n')}\n`;
  };
  const analyze = async (reoptimise = false): Promise<StudySnapshot> =>
    await runEngine({ method: 'analyze', params: { studyFile, suggest: 0, ...(reoptimise ? { reoptimise } : {}) } });

  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'mixopt-fitcache-engine-'));
    studyFile = join(dir, 'tiny.mixopt.yaml');
    writeFileSync(
      studyFile,
      `name: tiny
domains: [web, code, books]
objective: {metrics: [val_loss], direction: minimize}
fidelities:
  models: [{name: 10M, params: 1e7}, {name: 100M, params: 1e8}]
  target: {model: 100M, steps: 1000}
cost: {kind: table, table: {10M: 0.1, 100M: 1}}
budget: {total: 1000, unit: target_runs}
runs: {include: ["runs/**"]}
optimizer: {kernel: rbf, ard: false}
`,
    );
    mkdirSync(join(dir, 'runs'));
    runsFile = join(dir, 'runs', 'log.jsonl');
    writeFileSync(runsFile, runs(420));
  });
  after(() => {
    forgetEngineState();
    rmSync(dir, { recursive: true, force: true });
  });

  test('the first fit optimises and writes the cache; a new process reuses it as is', async () => {
    forgetEngineState();
    const first = await analyze();
    assert.equal(first.observations, 420);
    assert.equal(first.posterior?.reoptimised, true);
    assert.equal(first.posterior?.optimisedOn, 420);
    const cached = loadFit(fitCachePath(studyFile), ['web', 'code', 'books'], { mixtureKernel: 'rbf', ard: false, fidelityKernel: 'rbf', mean: 'quadratic', ...MODEL_DEFAULTS });
    assert.ok(cached, 'the cache file holds the fit');
    assert.equal(cached.optimisedOn.size, 420);

    forgetEngineState();
    const second = await analyze();
    assert.equal(second.posterior?.reoptimised, false, 'the same data in a new process: no re-optimisation');
    assert.deepEqual(second.posterior?.hyperparameters, first.posterior?.hyperparameters);
    assert.deepEqual(second.recommendation?.mixture, first.recommendation?.mixture);
  });

  test('up to 5% new runs keep the hyperparameters; more re-optimise them', async () => {
    appendFileSync(runsFile, runs(20));
    const few = await analyze();
    assert.equal(few.observations, 440);
    assert.equal(few.posterior?.reoptimised, false);
    assert.equal(few.posterior?.optimisedOn, 420);
    appendFileSync(runsFile, runs(5));
    const many = await analyze();
    assert.equal(many.observations, 445);
    assert.equal(many.posterior?.reoptimised, true, '25 new runs on 420 is more than 5%');
    assert.equal(many.posterior?.optimisedOn, 445);
  });

  test('an explicit refit re-optimises whatever the data', async () => {
    const refit = await analyze(true);
    assert.equal(refit.posterior?.reoptimised, true);
  });

  test('the same data again in the same process is the same model, not a refit (a Suggest after the fit on opening)', async () => {
    appendFileSync(runsFile, runs(1));
    const opening = await analyze(); // one new run: hyperparameters kept, the model fitted on the new data
    assert.equal(opening.posterior?.reoptimised, false);
    const asked = await runEngine({ method: 'analyze', params: { studyFile, suggest: 1 } });
    assert.equal(asked.observations, opening.observations);
    assert.equal(asked.suggestions?.length, 1);
    // the model object itself: its fit time is the one reported before (a refit would time itself anew)
    assert.equal(asked.posterior?.fitSeconds, opening.posterior?.fitSeconds);
    assert.deepEqual(asked.recommendation, opening.recommendation);
    appendFileSync(runsFile, runs(1));
    const changed = await runEngine({ method: 'analyze', params: { studyFile, suggest: 1 } });
    assert.notEqual(changed.posterior?.fitSeconds, asked.posterior?.fitSeconds, 'new data: a new model');
  });

  test('a recommendation on request only: none, or the one kept for the same model (the suggestion shown first)', async () => {
    appendFileSync(runsFile, runs(1));
    const none = await runEngine({ method: 'analyze', params: { studyFile, suggest: 1, recommend: false } });
    assert.equal(none.suggestions?.length, 1);
    assert.equal(none.recommendation, undefined);
    const notYet = await runEngine({ method: 'analyze', params: { studyFile, suggest: 1, recommend: 'kept' } });
    assert.equal(notYet.recommendation, undefined, 'nothing kept for this model yet');
    const computed = await runEngine({ method: 'analyze', params: { studyFile, suggest: 0, diagnostics: false } });
    assert.ok(computed.recommendation);
    const kept = await runEngine({ method: 'analyze', params: { studyFile, suggest: 1, recommend: 'kept' } });
    assert.deepEqual(kept.recommendation, computed.recommendation);
    // the same model under new bounds: the search box changed, so did the recommendation
    const text = readFileSync(studyFile, 'utf8');
    writeFileSync(studyFile, `${text}constraints: {bounds: {web: [0.0, 0.1]}}\n`);
    try {
      const bounded = await runEngine({ method: 'analyze', params: { studyFile, suggest: 1, recommend: 'kept' } });
      assert.equal(bounded.recommendation, undefined, 'new bounds: the kept recommendation is not for them');
      const within = await runEngine({ method: 'analyze', params: { studyFile, suggest: 0, diagnostics: false } });
      assert.ok((within.recommendation?.mixture['web'] ?? 1) <= 0.1 + 1e-9, `web ${within.recommendation?.mixture['web']}`);
    } finally {
      writeFileSync(studyFile, text);
    }
    appendFileSync(runsFile, runs(1));
    const changed = await runEngine({ method: 'analyze', params: { studyFile, suggest: 1, recommend: 'kept' } });
    assert.equal(changed.recommendation, undefined, 'a new model: the kept recommendation is not its own');
  });

  test('a corrupt cache file only costs a fresh fit', async () => {
    writeFileSync(fitCachePath(studyFile), '{"version": 1, "domains": ["web", "code", "books"], "hyperpar');
    forgetEngineState();
    const snap = await analyze();
    assert.equal(snap.posterior?.reoptimised, true);
    assert.equal(snap.diagnostics.filter((d) => d.severity === 'error').length, 0);
    assert.ok(loadFit(fitCachePath(studyFile), ['web', 'code', 'books'], { mixtureKernel: 'rbf', ard: false, fidelityKernel: 'rbf', mean: 'quadratic', ...MODEL_DEFAULTS }), 'rewritten');
  });
});

describe('the last recommendation on disk', () => {
  test('round trip, and nothing for other domains, a damaged file or none', () => {
    const dir = mkdtempSync(join(tmpdir(), 'mixopt-recommended-'));
    try {
      const path = recommendedPath(join(dir, 'study.mixopt.yaml'));
      assert.equal(path, join(dir, '.mixopt', 'cache', 'study.recommended.json'));
      assert.equal(loadRecommended(path, ['web', 'code']), undefined, 'no file');
      assert.equal(saveRecommended(path, ['web', 'code'], [0.25, 0.75]), undefined);
      assert.deepEqual(Array.from(loadRecommended(path, ['web', 'code'])!), [0.25, 0.75]);
      assert.equal(loadRecommended(path, ['web', 'books']), undefined, 'other domains');
      writeFileSync(path, '{"version":1,"domains":["web","code"],"mixture":[0.2');
      assert.equal(loadRecommended(path, ['web', 'code']), undefined, 'truncated');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
