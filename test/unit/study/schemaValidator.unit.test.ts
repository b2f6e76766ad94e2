// The bundles validate studies with the schema compiled at build time (scripts/schema-validator.mjs); from source,
// ajv compiles it at run time (src/study/schemaValidator.ts). Both must accept and refuse the same studies with the
// same errors, so the options and the schema they are built from cannot drift apart.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import type { ValidateFunction } from 'ajv';
import { parse } from 'yaml';
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { studySchemaValidator } from '../../../src/study/schemaValidator';

const root = join(__dirname, '..', '..', '..');

async function precompiled(): Promise<ValidateFunction> {
  const generator = (await import(join(root, 'scripts', 'schema-validator.mjs'))) as { standaloneStudyValidator(): string };
  // the generated CommonJS requires ajv's runtime helpers: written inside the repository (dist-test/, ignored by git)
  // so that they resolve from its node_modules
  const dir = join(root, 'dist-test');
  mkdirSync(dir, { recursive: true });
  const file = join(dir, `schema-validator-${process.pid}.cjs`);
  writeFileSync(file, generator.standaloneStudyValidator());
  try {
    return createRequire(file)(file) as ValidateFunction;
  } finally {
    rmSync(file, { force: true });
  }
}

test('the precompiled study validator gives the runtime-compiled one\'s verdicts and errors', async () => {
  const bundled = await precompiled();
  const fromSource = studySchemaValidator();
  const example = parse(readFileSync(join(root, 'examples', 'pile-regmix', 'pile.mixopt.yaml'), 'utf8')) as Record<string, unknown>;
  const documents: unknown[] = [
    example,
    { ...example, launch: 5, bogus: true },
    { ...example, objective: { metrics: 'val_loss', aggregate: 'median', direction: 'up' } },
    { ...example, fidelities: { models: [{ name: 1 }], target: {} } },
    { domains: 'a' },
    [],
  ];
  const verdicts: boolean[] = [];
  for (const document of documents) {
    const a = bundled(document);
    const b = fromSource(document);
    verdicts.push(a);
    assert.equal(a, b, JSON.stringify(document).slice(0, 80));
    assert.deepEqual(bundled.errors ?? null, fromSource.errors ?? null);
  }
  assert.equal(verdicts[0], true, 'the example is valid');
  assert.ok(verdicts.slice(1).every((v) => !v), 'the broken documents are refused');
});
