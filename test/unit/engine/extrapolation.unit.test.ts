// The recommendation says how its target value was extrapolated while the target size has no run.
import { after, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { forgetEngineState, runEngine } from '../../../src/engine/engine';
import { Rng } from '../../../src/core/random';

const STUDY = `name: reach
domains: [web, code, books]
objective: {metrics: [val_loss], direction: minimize}
fidelities:
  models: [{name: 10M, params: 1e7}, {name: 100M, params: 1e8}, {name: 1B, params: 1e9}]
  target: {model: 1B, steps: 1000}
cost: {kind: table, table: {10M: 0.01, 100M: 0.1, 1B: 1}}
budget: {total: 100, unit: target_runs}
runs: {include: ["runs/**"]}
optimizer: {kernel: rbf, ard: false, seed: 5}
`;

/** runs at the given sizes; the loss falls with log size (4.0 at 10M, 3.3 at 100M, 2.8 at 1B) */
function workspace(models: readonly string[]): string {
  const dir = mkdtempSync(join(tmpdir(), 'mixopt-reach-'));
  writeFileSync(join(dir, 'reach.mixopt.yaml'), STUDY);
  mkdirSync(join(dir, 'runs'));
  const level: Record<string, number> = { '10M': 4.0, '100M': 3.3, '1B': 2.8 };
  const rng = new Rng(9);
  const lines: string[] = [];
  for (let i = 0; i < 30; i++) {
    const model = models[i % models.length]!;
    const e = [0, 1, 2].map(() => -Math.log(1 - rng.next()));
    const total = e[0]! + e[1]! + e[2]!;
    const [web, code, books] = e.map((x) => x / total) as [number, number, number];
    const loss = level[model]! + 0.3 * (web - 0.5) ** 2 + 0.2 * (code - 0.3) ** 2 + 0.1 * books + 0.003 * rng.normal();
    lines.push(JSON.stringify({ run: `r${i}`, step: 1000, model, mixture: { web, code, books }, metrics: { val_loss: loss } }));
  }
  writeFileSync(join(dir, 'runs', 'log.jsonl'), `${lines.join('\n')}\n`);
  return dir;
}

describe('engine: the recommendation before the target size has a run', () => {
  const dirs: string[] = [];
  after(() => {
    forgetEngineState();
    for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
  });
  const recommendation = async (models: readonly string[]) => {
    const dir = workspace(models);
    dirs.push(dir);
    forgetEngineState();
    const snapshot = await runEngine({ method: 'analyze', params: { studyFile: join(dir, 'reach.mixopt.yaml'), suggest: 0 } });
    assert.ok(snapshot.recommendation);
    return snapshot.recommendation;
  };

  test('one size run: no target value is claimed; the value shown is at that size, and the recommendation says so', async () => {
    const r = await recommendation(['10M']);
    assert.match(r.extrapolation ?? '', /^Only 10M has runs: .* predicts no 1B value yet\. The value shown is the recommended mixture's at 10M \(1,000 steps\)/);
    assert.deepEqual(r.predictedAt, { model: '10M', steps: 1000 });
    // the runs' level (4.0 plus the mixture terms), not a 1B value
    assert.ok(r.predicted.mean > 3.9 && r.predicted.mean < 4.2, `predicted ${r.predicted.mean}`);
    assert.ok(r.predicted.lower < r.predicted.mean && r.predicted.mean < r.predicted.upper);
    assert.equal(r.model, '1B', 'the mixture is still recommended for the target');
  });

  test('one size run: no rank agreement with the target is claimed from predicted target values', async () => {
    for (const [models, entries] of [[['10M'], 0], [['10M', '100M'], 2]] as const) {
      const dir = workspace(models);
      dirs.push(dir);
      forgetEngineState();
      const snapshot = await runEngine({ method: 'analyze', params: { studyFile: join(dir, 'reach.mixopt.yaml'), suggest: 0 } });
      assert.equal(snapshot.posterior?.rankCorrelation.length, entries, models.join(', '));
    }
  });

  test('one size run: the suggestion claims no target value either', async () => {
    const dir = workspace(['10M']);
    dirs.push(dir);
    forgetEngineState();
    const snapshot = await runEngine({ method: 'analyze', params: { studyFile: join(dir, 'reach.mixopt.yaml'), suggest: 1 } });
    const s = snapshot.suggestions?.[0];
    assert.ok(s && s.predicted, 'a model suggestion with its own prediction');
    assert.equal(s.predictedAtTarget, undefined);
    assert.match(s.reason, /only 10M has runs, so no 1B value is predicted yet/);
    const two = workspace(['10M', '100M']);
    dirs.push(two);
    forgetEngineState();
    const withTwo = await runEngine({ method: 'analyze', params: { studyFile: join(two, 'reach.mixopt.yaml'), suggest: 1 } });
    assert.ok(withTwo.suggestions?.[0]?.predictedAtTarget, 'with two sizes the target value is given');
  });

  test('two sizes run: it says what it extrapolated from and how the interval was set', async () => {
    const r = await recommendation(['10M', '100M']);
    assert.match(r.extrapolation ?? '', /^No 1B run yet: this value is extrapolated from 10M, 100M/);
    assert.match(r.extrapolation ?? '', /From 10M alone the model missed the 100M runs by .* with two sizes it cannot test how it extrapolates/);
    assert.equal(r.predictedAt, undefined, 'with two sizes the value is at the target');
  });

  test('target-size runs short of the target steps: it says the value is extrapolated along the learning curves', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'mixopt-reach-steps-'));
    dirs.push(dir);
    const study = STUDY.replace('target: {model: 1B, steps: 1000}', 'target: {model: 1B, steps: 1000}\n  steps: [250, 500, 1000]');
    writeFileSync(join(dir, 'reach.mixopt.yaml'), study);
    mkdirSync(join(dir, 'runs'));
    const rng = new Rng(4);
    const lines: string[] = [];
    for (let i = 0; i < 24; i++) {
      const model = i % 3 === 0 ? '1B' : '10M';
      const e = [0, 1, 2].map(() => -Math.log(1 - rng.next()));
      const total = e[0]! + e[1]! + e[2]!;
      const [web, code, books] = e.map((x) => x / total) as [number, number, number];
      const offset = 0.01 * rng.normal();
      // short runs, of 250 or 500 steps (planned that short, so they are finished runs of those steps)
      const steps = model === '1B' ? [250, 500].slice(0, 1 + (i % 2)) : [250, 500];
      for (const step of steps) {
        const loss = (model === '1B' ? 2.8 : 4.0) + 1.5 * (step / 1000 - 1) ** 2 + 0.3 * (web - 0.5) ** 2 + 0.2 * code + offset + 0.002 * rng.normal();
        lines.push(JSON.stringify({ run: `r${i}`, step, model, mixture: { web, code, books }, metrics: { val_loss: loss }, ...(model === '1B' ? { max_steps: steps[steps.length - 1] } : {}) }));
      }
    }
    writeFileSync(join(dir, 'runs', 'log.jsonl'), `${lines.join('\n')}\n`);
    forgetEngineState();
    const snapshot = await runEngine({ method: 'analyze', params: { studyFile: join(dir, 'reach.mixopt.yaml'), suggest: 0 } });
    const note = snapshot.recommendation?.extrapolation ?? '';
    assert.match(note, /^No 1B run has reached 1,000 steps yet: this value is extrapolated from its checkpoints up to 500 steps[.;]/, note);
    assert.match(note, /Predicted from the checkpoints up to 250 steps, the \d+ later ones were/, note);
  });

  test('with a target-size run there is nothing to say', async () => {
    const r = await recommendation(['10M', '100M', '1B']);
    assert.equal(r.extrapolation, undefined);
  });
});
