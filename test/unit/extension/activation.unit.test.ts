// The manifest's activation events: a study anywhere in the workspace (a glob, which VS Code answers with a file
// search through the window), and, checked by one file-system lookup as soon as the extension host's eager phase
// starts, the `.mixopt/` folder MixOpt writes next to a study at the top of a workspace (ledger and fit cache).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join, relative, sep } from 'node:path';
import { fitCachePath } from '../../../src/engine/fitCache';
import { ledgerPathFor } from '../../../src/ledger/append';

const manifest = JSON.parse(readFileSync(join(__dirname, '..', '..', '..', 'package.json'), 'utf8')) as { activationEvents: string[] };
const contains = manifest.activationEvents.filter((e) => e.startsWith('workspaceContains:')).map((e) => e.slice('workspaceContains:'.length));

test('a study file anywhere in the workspace activates the extension', () => {
  assert.ok(contains.includes('**/*.mixopt.yaml') && contains.includes('**/*.mixopt.yml'), contains.join(', '));
});

test('the glob-free activation path is the folder holding what MixOpt writes for a study at the workspace top', () => {
  const plain = contains.filter((p) => !/[*?]/.test(p));
  assert.deepEqual(plain, ['.mixopt']);
  const workspace = join(sep, 'w');
  const study = join(workspace, 'pile.mixopt.yaml');
  for (const written of [ledgerPathFor(study), fitCachePath(study)]) {
    assert.equal(relative(workspace, written).split(sep)[0], plain[0], written);
  }
});
