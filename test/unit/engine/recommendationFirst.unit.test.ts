// A target run goes to the recommended mixture first while that mixture has no target run (engine.ts
// recommendationFirst); once it has one, the recommendation is measured and the acquisition chooses again.
import { after, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { appendFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { forgetEngineState, runEngine } from '../../../src/engine/engine';
import { UNMEASURED_CONFIDENCE } from '../../../src/core/recommend';
import { recommendedPath } from '../../../src/engine/fitCache';
import { Rng } from '../../../src/core/random';
import type { Mixture } from '../../../src/protocol/snapshot';
import { twoSizeStudy } from '../../helpers/studies';

const STUDY = twoSizeStudy('first', 5, 'config: {template: base.yaml, output: "generated/{trial}.yaml", mixture_key: data.mixture, model_key: model.name}\n');

const truth = (m: Mixture): number => 2.5 + 0.8 * (m.web! - 0.5) ** 2 + 0.6 * (m.code! - 0.3) ** 2 + 0.2 * m.books!;

/** 30 runs of 10M (0.6 target runs: past the half a target run proxies may take before the first). */
function workspace(): string {
  const dir = mkdtempSync(join(tmpdir(), 'mixopt-recfirst-'));
  writeFileSync(join(dir, 'first.mixopt.yaml'), STUDY);
  writeFileSync(join(dir, 'base.yaml'), 'data:\n  mixture: {}\nmodel:\n  name: none\n');
  mkdirSync(join(dir, 'runs'));
  const rng = new Rng(11);
  const lines: string[] = [];
  for (let i = 0; i < 30; i++) {
    const e = [0, 1, 2].map(() => -Math.log(1 - rng.next()));
    const total = e[0]! + e[1]! + e[2]!;
    const mixture = { web: e[0]! / total, code: e[1]! / total, books: e[2]! / total };
    lines.push(JSON.stringify({ run: `r${i}`, step: 1000, model: '10M', mixture, metrics: { val_loss: truth(mixture) + 0.9 + 0.005 * rng.normal() } }));
  }
  writeFileSync(join(dir, 'runs', 'log.jsonl'), `${lines.join('\n')}\n`);
  return dir;
}

const sameMixture = (a: Mixture, b: Mixture): boolean => Object.keys(a).every((k) => Math.abs(a[k]! - b[k]!) <= 1e-6);

describe('engine: the recommended mixture is measured first', () => {
  const dirs: string[] = [];
  after(() => {
    forgetEngineState();
    for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
  });

  test('once that run is accepted (pending), the next suggestion does not ask for it again', async () => {
    const dir = workspace();
    dirs.push(dir);
    const studyFile = join(dir, 'first.mixopt.yaml');
    forgetEngineState();
    const before = await runEngine({ method: 'analyze', params: { studyFile, suggest: 1, record: { actor: 'test' } } });
    const first = before.suggestions?.[0];
    assert.ok(first?.recommended, 'the first target run is the recommended mixture');
    await runEngine({ method: 'accept', params: { studyFile, suggestion: first, actor: 'test', workspaceFolder: dir } });
    const again = await runEngine({ method: 'analyze', params: { studyFile, suggest: 1 } });
    const next = again.suggestions?.[0];
    assert.ok(next);
    assert.notEqual(next.recommended, true);
    assert.ok(!(next.model === '1B' && sameMixture(next.mixture, first.mixture)), `the pending 1B run of ${JSON.stringify(first.mixture)} is not suggested twice`);
  });

  test('a target run is suggested at the recommended mixture while it has none, then the acquisition chooses again', async () => {
    const dir = workspace();
    dirs.push(dir);
    const studyFile = join(dir, 'first.mixopt.yaml');
    forgetEngineState();
    const before = await runEngine({ method: 'analyze', params: { studyFile, suggest: 1 } });
    const first = before.suggestions?.[0];
    const rec = before.recommendation;
    assert.ok(first && rec);
    assert.equal(first.model, '1B', 'the spend rule asks for a target run');
    assert.equal(first.recommended, true);
    assert.ok(sameMixture(first.mixture, rec.mixture), `suggested ${JSON.stringify(first.mixture)}, recommended ${JSON.stringify(rec.mixture)}`);
    assert.match(first.reason, /the recommended mixture has none yet/);
    assert.ok(first.predicted && first.predicted.lower <= first.predicted.upper);
    // a searched recommendation is not kept as the measured one to hold on to
    assert.equal(existsSync(recommendedPath(studyFile)), false);

    // the run is trained: the recommendation is now measured, and kept on disk
    appendFileSync(join(dir, 'runs', 'log.jsonl'), `${JSON.stringify({ run: 'target-0', step: 1000, model: '1B', mixture: first.mixture, metrics: { val_loss: truth(first.mixture) } })}\n`);
    const after1 = await runEngine({ method: 'analyze', params: { studyFile, suggest: 1 } });
    const next = after1.suggestions?.[0];
    assert.ok(next && after1.recommendation);
    if (sameMixture(after1.recommendation.mixture, first.mixture)) {
      assert.notEqual(next.recommended, true, 'the measured recommendation is not suggested again');
      const kept = JSON.parse(readFileSync(recommendedPath(studyFile), 'utf8')) as { domains: string[]; mixture: number[] };
      assert.ok(sameMixture(Object.fromEntries(kept.domains.map((d, i) => [d, kept.mixture[i]!])), first.mixture), `kept ${JSON.stringify(kept)}`);
    } else {
      // a searched mixture beat it with probability UNMEASURED_CONFIDENCE: that one is measured next, when a target
      // run is asked for
      assert.ok(after1.recommendation.alternative && after1.recommendation.alternative.probabilityBetter >= UNMEASURED_CONFIDENCE);
    }
  });
});
