// The study is validated against schemas/mixopt.schema.json itself (ajv), under the parser's own messages: a
// violation only the schema sees is reported at its line; one the parser reports is not said twice.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { parseStudy } from '../../../src/study/parse';
import { schemaProblems } from '../../../src/study/schema';

const EXAMPLE = readFileSync('examples/pile-regmix/pile.mixopt.yaml', 'utf8');
const lineOf = (text: string, needle: string): number => text.split('\n').findIndex((l) => l.includes(needle)) + 1;

describe('study schema validation (ajv)', () => {
  test('a violation only the schema knows is an error at its line, with the schema as hint', () => {
    const text = EXAMPLE.replace('launch: "bash scripts/train.sh ${config}"', 'launch: 5').replace('mixture_key: data.mixture', 'mixture_key: 7');
    const r = parseStudy(text, 'p.mixopt.yaml');
    const launch = r.diagnostics.find((d) => d.key === 'launch');
    assert.ok(launch, JSON.stringify(r.diagnostics));
    assert.equal(launch.severity, 'error');
    assert.equal(launch.line, lineOf(text, 'launch: 5'));
    assert.match(launch.message, /launch must be string/);
    assert.match(launch.hint ?? '', /mixopt\.schema\.json/);
    assert.ok(r.diagnostics.some((d) => d.key === 'config.mixture_key' && d.line === lineOf(text, 'mixture_key: 7')));
    assert.equal(r.study, undefined, 'a schema error is an error');
  });

  test("the parser's message wins where both see the problem: one diagnostic, with did-you-mean", () => {
    const text = EXAMPLE.replace('  aggregate: mean', '  agregate: mean');
    const r = parseStudy(text, 'p.mixopt.yaml');
    const about = r.diagnostics.filter((d) => d.key?.startsWith('objective.agregate'));
    assert.equal(about.length, 1, JSON.stringify(r.diagnostics));
    assert.match(about[0]!.hint ?? '', /did you mean "aggregate"/);
    assert.ok(schemaProblems({ ...(JSON.parse(JSON.stringify({ domains: ['a', 'b'] })) as object), bogus: 1 }).some((p) => p.message === 'unknown key "bogus"'), 'the schema itself refuses the key');
  });

  test('the example and a minimal study satisfy the schema', () => {
    assert.deepEqual(parseStudy(EXAMPLE, 'p.mixopt.yaml').diagnostics, []);
    const minimal = 'domains: [a, b]\nobjective: {metrics: [val_loss]}\nfidelities:\n  models: [{name: s, params: 1e6}]\n  target: {model: s, steps: 100}\n';
    const r = parseStudy(minimal, 'm.mixopt.yaml');
    assert.ok(r.study, JSON.stringify(r.diagnostics));
    assert.deepEqual(r.diagnostics.filter((d) => /schema/.test(d.hint ?? '')), []);
  });
});
