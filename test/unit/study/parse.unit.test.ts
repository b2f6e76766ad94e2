import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Rng } from '../../../src/core/random';
import type { Diagnostic } from '../../../src/study/diagnostics';
import { editDistance, parseCount, parseStudy } from '../../../src/study/parse';

const EXAMPLE_PATH = join(process.cwd(), 'examples', 'pile-regmix', 'pile.mixopt.yaml');
const EXAMPLE = readFileSync(EXAMPLE_PATH, 'utf8');
const FILE = 'studies/small.mixopt.yaml';

const SMALL = `name: small
domains: [web, code, books]
objective:
  metrics: [val_loss]
  aggregate: mean
  direction: minimize
fidelities:
  models:
    - {name: 60M, params: 6e7}
    - {name: 1B, params: 1e9}
  target: {model: 1B, steps: 10000}
cost:
  kind: table
  table: {60M: 0.06, 1B: 1}
budget: {total: 20, unit: target_runs}
constraints:
  bounds: {code: [0.0, 0.5]}
optimizer: {acquisition: auto, batch: 1, seed: 0}
`;

/** The 1-based line of the first line of `text` containing `needle`. */
function lineOf(text: string, needle: string): number {
  const index = text.split('\n').findIndex((line) => line.includes(needle));
  assert.ok(index >= 0, `no line contains ${needle}`);
  return index + 1;
}

function errors(diagnostics: readonly Diagnostic[]): Diagnostic[] {
  return diagnostics.filter((d) => d.severity === 'error');
}

/** The one diagnostic whose key is `key`; checks it carries file, line, message and hint. */
function diagnosticAt(diagnostics: readonly Diagnostic[], key: string): Diagnostic {
  const found = diagnostics.filter((d) => d.key === key);
  assert.equal(found.length, 1, `expected one diagnostic at ${key}, got ${JSON.stringify(diagnostics, null, 1)}`);
  const d = found[0]!;
  assert.equal(d.file, FILE);
  assert.ok(d.line > 0, 'no line');
  assert.ok(d.message.length > 0);
  assert.ok(d.hint !== undefined && d.hint.length > 0, `no hint: ${JSON.stringify(d)}`);
  return d;
}

function assertWellFormed(diagnostics: readonly Diagnostic[], text: string, label: string): void {
  const lines = text.split('\n').length;
  for (const d of diagnostics) {
    assert.equal(d.file, FILE, label);
    assert.ok(Number.isInteger(d.line) && d.line >= 0 && d.line <= lines + 1, `${label}: line ${d.line} of ${lines}`);
    assert.ok(typeof d.message === 'string' && d.message.length > 0, label);
    assert.ok(['error', 'warning', 'info'].includes(d.severity), label);
  }
}

describe('parseStudy on valid studies', () => {
  test('the bundled RegMix example parses without errors or warnings', () => {
    const { study, diagnostics } = parseStudy(EXAMPLE, FILE);
    assert.deepEqual(
      diagnostics.filter((d) => d.severity !== 'info'),
      [],
    );
    assert.ok(study);
    assert.equal(study.name, 'pile-regmix');
    assert.equal(study.domains.length, 17);
    assert.equal(study.objective.metrics.length, 13);
    assert.deepEqual(study.fidelities.models.map((m) => [m.name, m.params]), [['1M', 1e6], ['60M', 6e7], ['1B', 1e9]]);
    assert.deepEqual(study.fidelities.target, { model: '1B', steps: 25000 });
    assert.deepEqual(study.cost, { kind: 'table', table: { '1M': 0.001, '60M': 0.06, '1B': 1 } });
    assert.deepEqual(study.budget, { total: 40, unit: 'target_runs' });
    assert.deepEqual({ ...study.constraints.bounds }, { github: [0, 0.3] }); // a map without a prototype
    assert.equal(study.config?.mixtureKey, 'data.mixture');
    assert.equal(study.config?.mixtureShape, 'auto');
    assert.deepEqual(study.launch, { scheduler: 'terminal', command: 'bash scripts/train.sh ${config}' });
  });

  test('defaults, counts with suffixes, BOM and CRLF', () => {
    const text = '\uFEFF' + SMALL.replace('6e7', '"60M"').replace(/\n/g, '\r\n');
    const { study, diagnostics } = parseStudy(text, FILE);
    assert.deepEqual(errors(diagnostics), []);
    assert.equal(study?.fidelities.models[0]?.params, 6e7);
    assert.equal(study?.optimizer.kernel, 'rbf');
    assert.deepEqual(study?.runs.include, ['**']);
    assert.equal(parseCount('1.3B'), 1.3e9);
    assert.equal(parseCount('20k'), 20000);
    assert.equal(parseCount('abc'), undefined);
    assert.equal(parseCount(Number.POSITIVE_INFINITY), undefined);
    assert.equal(editDistance('kitten', 'sitting'), 3);
  });
});

describe('parseStudy errors name file, line, key and give a hint', () => {
  test('unknown key with did-you-mean', () => {
    const text = SMALL.replace('optimizer:', 'optimiser:');
    const { diagnostics } = parseStudy(text, FILE);
    const d = diagnosticAt(diagnostics, 'optimiser');
    assert.equal(d.line, lineOf(text, 'optimiser:'));
    assert.match(d.message, /unknown key "optimiser"/);
    assert.match(d.hint!, /did you mean "optimizer"\?/);
    const nested = SMALL.replace('direction: minimize', 'directon: minimize');
    const n = diagnosticAt(parseStudy(nested, FILE).diagnostics, 'objective.directon');
    assert.equal(n.line, lineOf(nested, 'directon'));
    assert.match(n.hint!, /did you mean "direction"/);
  });

  test('wrong type', () => {
    const text = SMALL.replace('budget: {total: 20, unit: target_runs}', 'budget: {total: twenty, unit: target_runs}');
    const { study, diagnostics } = parseStudy(text, FILE);
    assert.equal(study, undefined);
    const d = diagnosticAt(diagnostics, 'budget.total');
    assert.equal(d.severity, 'error');
    assert.equal(d.line, lineOf(text, 'twenty'));
    assert.match(d.message, /must be a number/);
    const listText = SMALL.replace('domains: [web, code, books]', 'domains: {web: 1}');
    const l = diagnosticAt(parseStudy(listText, FILE).diagnostics, 'domains');
    assert.match(l.message, /must be a list/);
    assert.equal(l.line, lineOf(listText, 'domains:'));
  });

  test('bad enum value, with and without a close match', () => {
    const text = SMALL.replace('direction: minimize', 'direction: minimise');
    const d = diagnosticAt(parseStudy(text, FILE).diagnostics, 'objective.direction');
    assert.equal(d.line, lineOf(text, 'minimise'));
    assert.match(d.message, /must be one of minimize, maximize/);
    assert.match(d.hint!, /did you mean "minimize"/);
    const far = SMALL.replace('acquisition: auto', 'acquisition: thompson');
    const f = diagnosticAt(parseStudy(far, FILE).diagnostics, 'optimizer.acquisition');
    assert.match(f.message, /must be one of auto, logei/);
  });

  test('negative budget', () => {
    const text = SMALL.replace('total: 20', 'total: -5');
    const d = diagnosticAt(parseStudy(text, FILE).diagnostics, 'budget.total');
    assert.equal(d.line, lineOf(text, 'total: -5'));
    assert.match(d.message, /greater than 0, not -5/);
  });

  test('bounds that cannot sum to 1', () => {
    const low = SMALL.replace('bounds: {code: [0.0, 0.5]}', 'bounds: {code: [0.6, 0.9], web: [0.5, 1]}');
    const d = diagnosticAt(parseStudy(low, FILE).diagnostics, 'constraints');
    assert.match(d.message, /lower bounds and fixed weights add up to 1\.1000 > 1/);
    assert.equal(d.line, lineOf(low, 'constraints:'));
    const high = SMALL.replace('bounds: {code: [0.0, 0.5]}', 'bounds: {code: [0, 0.2], web: [0, 0.3], books: [0, 0.4]}');
    const h = diagnosticAt(parseStudy(high, FILE).diagnostics, 'constraints');
    assert.match(h.message, /upper bounds and fixed weights add up to 0\.9000 < 1/);
    const inverted = SMALL.replace('bounds: {code: [0.0, 0.5]}', 'bounds: {code: [0.5, 0.2]}');
    const i = diagnosticAt(parseStudy(inverted, FILE).diagnostics, 'constraints.bounds.code');
    assert.match(i.message, /lower bound 0\.5 is above upper bound 0\.2/);
    const unknown = SMALL.replace('bounds: {code: [0.0, 0.5]}', 'bounds: {cod: [0.0, 0.5]}');
    const u = diagnosticAt(parseStudy(unknown, FILE).diagnostics, 'constraints.bounds.cod');
    assert.match(u.hint!, /did you mean "code"/);
  });

  test('missing or unknown target model', () => {
    const missing = SMALL.replace('target: {model: 1B, steps: 10000}', 'target: {steps: 10000}');
    const { study, diagnostics } = parseStudy(missing, FILE);
    assert.equal(study, undefined);
    const d = diagnosticAt(diagnostics, 'fidelities.target');
    assert.match(d.message, /missing required key "fidelities\.target\.model"/);
    assert.equal(d.line, lineOf(missing, 'target: {steps'));
    const wrong = SMALL.replace('target: {model: 1B,', 'target: {model: 1b,');
    const w = diagnosticAt(parseStudy(wrong, FILE).diagnostics, 'fidelities.target.model');
    assert.match(w.message, /target model "1b" is not in fidelities\.models/);
    assert.match(w.hint!, /did you mean "1B"/);
    assert.equal(w.line, lineOf(wrong, 'model: 1b'));
    const noTarget = SMALL.replace('  target: {model: 1B, steps: 10000}\n', '');
    const t = diagnosticAt(parseStudy(noTarget, FILE).diagnostics, 'fidelities');
    assert.match(t.message, /missing required key "fidelities\.target"/);
  });

  test('YAML syntax errors and duplicate keys have a line', () => {
    const broken = SMALL.replace('aggregate: mean', 'aggregate: [mean');
    const b = errors(parseStudy(broken, FILE).diagnostics);
    assert.ok(b.length > 0 && b.every((d) => d.file === FILE && d.line > 0 && d.hint));
    const dup = SMALL.replace('  direction: minimize\n', '  direction: minimize\n  direction: maximize\n');
    const d = errors(parseStudy(dup, FILE).diagnostics);
    assert.ok(d.some((x) => x.line === lineOf(dup, 'direction: maximize') && /duplicate/i.test(x.hint ?? '')), JSON.stringify(d));
  });
});

describe('parseStudy fuzz: never throws', () => {
  test('random bytes and random printable text', () => {
    const rng = new Rng(1);
    for (let k = 0; k < 400; k++) {
      const length = rng.int(400);
      const bytes = Array.from({ length }, () => (k % 2 === 0 ? rng.int(256) : 32 + rng.int(95)));
      const text = k % 4 === 0 ? Buffer.from(bytes).toString('latin1') : String.fromCharCode(...bytes);
      const { study, diagnostics } = parseStudy(text, FILE);
      assertWellFormed(diagnostics, text, `case ${k}`);
      if (!study) assert.ok(errors(diagnostics).length > 0, `case ${k}: no study and no error`);
    }
  });

  test('truncation at every byte of the example', () => {
    let studies = 0;
    for (let cut = 0; cut <= EXAMPLE.length; cut++) {
      const text = EXAMPLE.slice(0, cut);
      const { study, diagnostics } = parseStudy(text, FILE);
      assertWellFormed(diagnostics, text, `cut ${cut}`);
      if (study) studies++;
      else assert.ok(errors(diagnostics).length > 0, `cut ${cut}: no study and no error`);
    }
    assert.ok(studies > 0, 'the full text parses');
  });

  test('YAML alias bombs, deep nesting, huge numbers, wrong types everywhere', () => {
    const laughs = ['a: &a [x, x, x, x, x, x, x, x, x, x]'];
    for (let i = 1; i < 12; i++) laughs.push(`${String.fromCharCode(97 + i)}: &${String.fromCharCode(97 + i)} [${Array(10).fill(`*${String.fromCharCode(96 + i)}`).join(', ')}]`);
    const cases: string[] = [
      laughs.join('\n'),
      `name: x\ndomains: &d [a, b]\nobjective: {metrics: *d}\n${laughs.join('\n')}`,
      'a: ' + '['.repeat(2000) + ']'.repeat(2000),
      'a: ' + '['.repeat(2000),
      Array.from({ length: 300 }, (_, i) => ' '.repeat(i) + `k${i}:`).join('\n'),
      '{'.repeat(100) + '}'.repeat(100),
      SMALL.replace('params: 6e7', 'params: 1e400'),
      SMALL.replace('total: 20', 'total: .nan'),
      SMALL.replace('total: 20', 'total: .inf'),
      SMALL.replace('params: 6e7', 'params: [1, 2]'),
      SMALL.replace('models:', 'models: 7\n  x:'),
      SMALL.replace('domains: [web, code, books]', 'domains: [web, web]'),
      SMALL.replace('domains: [web, code, books]', 'domains: [[1], {a: 2}, null]'),
      '- just\n- a\n- list',
      '',
      '~',
      '!!binary aGVsbG8=',
      '!custom {a: 1}',
      'a: !!int xyz',
      '---\na: 1\n---\nb: 2',
      'x'.repeat(100_000),
    ];
    // wrong type at every top-level and nested key of the small study
    for (const line of SMALL.split('\n')) {
      const m = /^(\s*)([a-z_]+):/.exec(line);
      if (m) for (const bad of ['[]', '{}', '7', 'null', '"text"', 'true']) cases.push(SMALL.replace(line, `${m[1]}${m[2]}: ${bad}`));
    }
    for (const [k, text] of cases.entries()) {
      const { study, diagnostics } = parseStudy(text, FILE);
      assertWellFormed(diagnostics, text, `case ${k}`);
      if (!study) assert.ok(errors(diagnostics).length > 0, `case ${k}: no study and no error: ${text.slice(0, 80)}`);
    }
  });
});
