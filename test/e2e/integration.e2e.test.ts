// Runs the integration suite (test/integration/suite.ts) inside the real extension host of code-server: the
// extension loads the suite when MIXOPT_INTEGRATION_SUITE is set and writes the results as JSON.
import { after, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { exampleWorkspace, openVsCode, repoRoot } from '../helpers/codeServer';
import type { VsCodeSession } from '../helpers/codeServer';
import type { TestResult } from '../integration/suite';

describe('integration suite inside the extension host (code-server)', { timeout: 10 * 60_000 }, () => {
  let vs: VsCodeSession | undefined;
  after(async () => vs?.close());

  test('every in-host test passes', async (t) => {
    const out = join(mkdtempSync(join(tmpdir(), 'mixopt-int-')), 'results.json');
    const suite = join(repoRoot, 'dist-test', 'integration-suite.js');
    assert.ok(existsSync(suite), 'dist-test/integration-suite.js is built by npm run build');
    vs = await openVsCode(exampleWorkspace(), { env: { MIXOPT_INTEGRATION_SUITE: suite, MIXOPT_INTEGRATION_OUT: out } });
    const deadline = Date.now() + 300_000;
    while (Date.now() < deadline && !existsSync(out)) await vs.page.waitForTimeout(1000);
    if (!existsSync(out)) t.diagnostic(vs.logs());
    assert.ok(existsSync(out), 'the extension host wrote the suite results');
    const results = JSON.parse(readFileSync(out, 'utf8')) as TestResult[];
    for (const r of results) t.diagnostic(`${r.ok ? 'ok' : 'FAILED'} ${r.name} (${r.ms} ms)${r.info ? `: ${r.info}` : ''}${r.error ? `\n${r.error}` : ''}`);
    assert.ok(results.length >= 4, `${results.length} in-host tests ran`);
    assert.deepEqual(results.filter((r) => !r.ok).map((r) => r.name), []);
  });
});
