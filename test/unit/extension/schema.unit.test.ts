// The JSON Schema contributed for *.mixopt.yaml (yamlValidation) must describe the same keys and choices the
// parser accepts, or editors would flag valid studies (or miss typos).
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { STUDY_ENUMS, STUDY_KEYS } from '../../../src/study/parse';

interface SchemaNode {
  properties?: Record<string, SchemaNode>;
  items?: SchemaNode;
  enum?: string[];
  anyOf?: SchemaNode[];
  $ref?: string;
  additionalProperties?: boolean | SchemaNode;
}
const schema = JSON.parse(readFileSync('schemas/mixopt.schema.json', 'utf8')) as SchemaNode & { definitions: Record<string, SchemaNode> };
const resolve = (n: SchemaNode): SchemaNode => (n.$ref ? schema.definitions[n.$ref.replace('#/definitions/', '')]! : n);
const keysOf = (n: SchemaNode | undefined): string[] => Object.keys(resolve(n!).properties ?? {}).sort();
const enumOf = (n: SchemaNode | undefined): string[] => {
  const r = resolve(n!);
  return (r.enum ?? r.anyOf?.find((a) => a.enum)?.enum ?? []).slice().sort();
};

describe('study JSON schema', () => {
  const p = schema.properties!;
  test('the same keys as the parser at every level, unknown keys refused', () => {
    assert.deepEqual(keysOf(schema), [...STUDY_KEYS.top].sort());
    assert.equal(schema.additionalProperties, false);
    assert.deepEqual(keysOf(p['objective']), [...STUDY_KEYS.objective].sort());
    assert.deepEqual(keysOf(p['fidelities']), [...STUDY_KEYS.fidelities].sort());
    assert.deepEqual(keysOf(p['fidelities']!.properties!['models']!.items), [...STUDY_KEYS.model].sort());
    assert.deepEqual(keysOf(p['fidelities']!.properties!['target']), [...STUDY_KEYS.target].sort());
    assert.deepEqual(keysOf(p['cost']), [...STUDY_KEYS.cost].sort());
    assert.deepEqual(keysOf(p['budget']), [...STUDY_KEYS.budget].sort());
    assert.deepEqual(keysOf(p['constraints']), [...STUDY_KEYS.constraints].sort());
    assert.deepEqual(keysOf(p['runs']), [...STUDY_KEYS.runs].sort());
    assert.deepEqual(keysOf(schema.definitions['csvTable']), [...STUDY_KEYS.csv].sort());
    assert.deepEqual(keysOf(p['config']), [...STUDY_KEYS.config].sort());
    assert.deepEqual(keysOf(p['optimizer']), [...STUDY_KEYS.optimizer].sort());
  });

  test('the same choices as the parser', () => {
    const o = p['objective']!.properties!;
    assert.deepEqual(enumOf(o['aggregate']), [...STUDY_ENUMS.aggregate].sort());
    assert.deepEqual(enumOf(o['direction']), [...STUDY_ENUMS.direction].sort());
    assert.deepEqual(enumOf(p['cost']!.properties!['kind']), [...STUDY_ENUMS.costKind].sort());
    assert.deepEqual(enumOf(p['budget']!.properties!['unit']), [...STUDY_ENUMS.budgetUnit].sort());
    assert.deepEqual(enumOf(p['config']!.properties!['mixture_shape']), [...STUDY_ENUMS.mixtureShape].sort());
    const opt = p['optimizer']!.properties!;
    assert.deepEqual(enumOf(opt['acquisition']), [...STUDY_ENUMS.acquisition].sort());
    assert.deepEqual(enumOf(opt['kernel']), [...STUDY_ENUMS.kernel].sort());
    assert.deepEqual(enumOf(opt['fidelity_kernel']), [...STUDY_ENUMS.fidelityKernel].sort());
  });

  test('package.json contributes it for *.mixopt.yaml', () => {
    const pkg = JSON.parse(readFileSync('package.json', 'utf8')) as { contributes: { yamlValidation: { fileMatch: string[]; url: string }[] } };
    const entry = pkg.contributes.yamlValidation.find((v) => v.fileMatch.includes('*.mixopt.yaml'));
    assert.equal(entry?.url, './schemas/mixopt.schema.json');
  });
});
