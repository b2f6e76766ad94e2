// `mixopt init` (New study from the terminal), `mixopt status` listing the runs it cannot use and why, and the
// first suggestion of a study with no observation (a space-filling design, no prediction).
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { cpSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { main } from '../../../src/cli/main';
import { runInit } from '../../../src/cli/init';
import { parseStudy } from '../../../src/study/parse';

function capture(): { io: { out(t: string): void; err(t: string): void }; out: string[]; err: string[] } {
  const out: string[] = [];
  const err: string[] = [];
  return { io: { out: (t) => out.push(t), err: (t) => err.push(t) }, out, err };
}

const TEMPLATE = `model:\n  name: 60M\ndata:\n  mixture: {web: 0.5, code: 0.3, books: 0.2}\ntrainer:\n  max_steps: 20000\n`;
// what a run folder holds: a config with more domains, which would win if run folders were searched
const RUN_CONFIG = `model:\n  name: 60M\ndata:\n  mixture: {web: 0.2, code: 0.2, books: 0.2, wiki: 0.2, math: 0.2}\ntrainer:\n  max_steps: 500\n`;

describe('mixopt init', () => {
  let dir = '';
  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'mixopt-init-'));
    mkdirSync(join(dir, 'configs'));
    writeFileSync(join(dir, 'configs', 'base.yaml'), TEMPLATE);
    // named like run folders
    for (const d of ['wandb/run-20261101_120000-abc/files', 'logs/lightning_logs/version_0', 'out/checkpoint-500']) {
      mkdirSync(join(dir, d), { recursive: true });
      writeFileSync(join(dir, d, 'config.yaml'), RUN_CONFIG);
    }
    // a run folder known only by its marker files (an HF Trainer output dir with the script's own config)
    mkdirSync(join(dir, 'exp1'));
    writeFileSync(join(dir, 'exp1', 'trainer_state.json'), '{"global_step": 10, "log_history": []}');
    writeFileSync(join(dir, 'exp1', 'train.yaml'), RUN_CONFIG);
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  test('with flags: the template is the training config, never one inside a run folder; the study has target steps', async () => {
    const c = capture();
    const code = await runInit([dir, '--models', '10M=1e7,60M=6e7,1B=1e9', '--metric', 'val_loss/{domain}', '--name', 'mix'], c.io, null);
    assert.equal(code, 0, c.err.join('\n'));
    const text = readFileSync(join(dir, 'mix.mixopt.yaml'), 'utf8');
    const parsed = parseStudy(text, join(dir, 'mix.mixopt.yaml'));
    assert.deepEqual(parsed.diagnostics.filter((d) => d.severity === 'error'), []);
    assert.equal(parsed.study?.config?.template, 'configs/base.yaml');
    assert.deepEqual(parsed.study?.domains, ['web', 'code', 'books']);
    assert.deepEqual(parsed.study?.fidelities.target, { model: '1B', steps: 20000 });
    assert.deepEqual(parsed.study?.objective.metrics, ['val_loss/web', 'val_loss/code', 'val_loss/books']);
    // a second init never overwrites the first
    const again = await runInit([dir, '--models', '60M,1B', '--name', 'mix', '--target-steps', '5000'], capture().io, null);
    assert.equal(again, 0);
    assert.equal(readFileSync(join(dir, 'mix.mixopt.yaml'), 'utf8'), text);
    assert.match(readFileSync(join(dir, 'mix-2.mixopt.yaml'), 'utf8'), /target: \{model: 1B, steps: 5000\}/);
  });

  test('prompts on a terminal: it asks for what the flags do not give and takes Enter as the default', async () => {
    const sub = mkdtempSync(join(tmpdir(), 'mixopt-init-ask-'));
    try {
      mkdirSync(join(sub, 'configs'));
      writeFileSync(join(sub, 'configs', 'a.yaml'), TEMPLATE);
      writeFileSync(join(sub, 'configs', 'b.yaml'), TEMPLATE.replace('books: 0.2', 'books: 0.1, wiki: 0.1'));
      const questions: string[] = [];
      const answers = ['2', '', 'ppl', '', '12'];
      const c = capture();
      const code = await runInit([sub, '--name', 's'], c.io, async (q) => {
        questions.push(q);
        return answers.shift() ?? '';
      });
      assert.equal(code, 0, c.err.join('\n'));
      assert.equal(questions.length, 5, questions.join(' | '));
      assert.match(questions[3] ?? '', /\[20000\]/, 'the steps question offers the template max_steps');
      const study = parseStudy(readFileSync(join(sub, 's.mixopt.yaml'), 'utf8'), 's.mixopt.yaml').study;
      assert.equal(study?.config?.template, 'configs/a.yaml', 'choice 2 of the list: more domains first, so b then a');
      assert.deepEqual(study?.fidelities.models.map((m) => m.name), ['60M', '1B']);
      assert.equal(study?.fidelities.target.steps, 20000);
      assert.equal(study?.budget.total, 12);
      assert.deepEqual(study?.objective.metrics, ['ppl']);
    } finally {
      rmSync(sub, { recursive: true, force: true });
    }
  });

  test('without a terminal, a missing answer is a usage error naming the flag; a template in a run folder is refused', async () => {
    const empty = mkdtempSync(join(tmpdir(), 'mixopt-init-empty-'));
    try {
      const c = capture();
      assert.equal(await runInit([empty], c.io, null), 2);
      assert.match(c.err.join('\n'), /--template/);
      const r = capture();
      assert.equal(await runInit([dir, '--template', join(dir, 'wandb/run-20261101_120000-abc/files/config.yaml'), '--models', '1B'], r.io, null), 1);
      assert.match(r.err.join('\n'), /inside a run's output folder/);
      assert.deepEqual(readdirSync(empty), []);
    } finally {
      rmSync(empty, { recursive: true, force: true });
    }
  });
});

describe('mixopt status lists unused runs; a study with no observation gets a first design', () => {
  let dir = '';
  const study = `name: fmt
domains: [pile_cc, github, arxiv, wikipedia_en]
objective:
  metrics: ["val_loss/{domain}"]
  direction: minimize
fidelities:
  models:
    - {name: 1M, params: 1e6}
    - {name: 60M, params: 6e7}
    - {name: 1B, params: 1e9}
  target: {model: 1B, steps: 500}
cost: {kind: table, table: {1M: 0.001, 60M: 0.06, 1B: 1}}
budget: {total: 10, unit: target_runs}
runs:
  include: ["runs/**"]
optimizer: {seed: 0}
`;
  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'mixopt-status-'));
    writeFileSync(join(dir, 'fmt.mixopt.yaml'), study);
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  test('zero observations: suggest says it is a space-filling first design and prints no prediction', async () => {
    const c = capture();
    assert.equal(await main(['suggest', join(dir, 'fmt.mixopt.yaml'), '--batch', '3', '--json'], c.io), 0, c.err.join('\n'));
    const out = JSON.parse(c.out.join('\n')) as { suggestions: Record<string, unknown>[] };
    assert.equal(out.suggestions.length, 3);
    for (const s of out.suggestions) {
      assert.equal(s['firstDesign'], true);
      assert.equal(s['predicted'], undefined);
      assert.equal(s['predictedAtTarget'], undefined);
      assert.equal(s['model'], '1M', 'the cheapest size');
      assert.match(String(s['reason']), /space-filling first design/);
    }
    const mixtures = out.suggestions.map((s) => JSON.stringify(s['mixture']));
    assert.equal(new Set(mixtures).size, 3, 'three different mixtures');
    const text = capture();
    assert.equal(await main(['suggest', join(dir, 'fmt.mixopt.yaml')], text.io), 0);
    assert.match(text.out.join('\n'), /no prediction: a space-filling first design/);
    assert.doesNotMatch(text.out.join('\n'), /95%/);
  });

  test('status counts the unused runs by reason; --verbose lists each with its fix', async () => {
    cpSync('test/fixtures/runs/formats', join(dir, 'runs'), { recursive: true });
    const c = capture();
    await main(['status', join(dir, 'fmt.mixopt.yaml')], c.io);
    const out = c.out.join('\n');
    assert.match(out, /unused runs: 2 \(2 no mixture found\); --verbose lists them/);
    const v = capture();
    await main(['status', join(dir, 'fmt.mixopt.yaml'), '--verbose'], v.io);
    const lines = v.out.join('\n');
    assert.match(lines, /runs\/tb\/tb-nomix: TensorBoard run runs\/tb\/tb-nomix: no mixture found/);
    assert.match(lines, /W&B run wb-odd-key: no mixture found .*set config\.mixture_key: recipe\.blend/);
    // the readable runs are observations now, so the suggestion predicts
    const s = capture();
    assert.equal(await main(['suggest', join(dir, 'fmt.mixopt.yaml'), '--json'], s.io), 0, s.err.join('\n'));
    const sug = (JSON.parse(s.out.join('\n')) as { suggestions: Record<string, unknown>[] }).suggestions[0];
    assert.equal(sug?.['firstDesign'], undefined);
    assert.ok(sug?.['predicted']);
  });
});
