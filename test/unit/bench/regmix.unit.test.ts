import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { makeRegmixTable, REGMIX_METRICS } from '../../../src/bench/regmix';
import { parseTable } from '../../../src/bench/table';

// the RegMix release's CSV files, committed with the tests (test/fixtures/regmix/PROVENANCE.md): nothing to skip
const dataDir = join('test', 'fixtures', 'regmix');

describe('RegMix replay table', () => {
  const made = makeRegmixTable(dataDir);

  test('768 1M, 256 60M and 64 1B rows, 17 domains; the committed table is the converter output', () => {
    assert.deepEqual(made.counts, { '1M': 768, '60M': 256, '1B': 64 });
    assert.equal(made.domains.length, 17);
    assert.equal(readFileSync(join('bench', 'regmix-table.csv'), 'utf8'), made.csv);
  });

  test('objective = mean of the 13 validation losses of the same index; weights sum to 1; costs per model', () => {
    const lossLines = readFileSync(join(dataDir, 'test_pile_loss_1B.csv'), 'utf8').trim().split(/\r?\n/);
    const header = lossLines[0]!.split(',');
    const first = lossLines[1]!.split(',');
    assert.equal(first[header.indexOf('index')], '0');
    const expected = REGMIX_METRICS.reduce((a, m) => a + Number(first[header.indexOf(`metric/the_pile_${m}_val_loss`)]), 0) / 13;
    const { table, diagnostics } = parseTable(made.csv, 'regmix-table.csv');
    assert.deepEqual(diagnostics, []);
    const firstBig = table!.rows.find((r) => r.fidelity === '1B')!;
    assert.ok(Math.abs(firstBig.objective - expected) < 1e-8, `${firstBig.objective} vs ${expected}`);
    assert.equal(table!.domains.length, 17, 'the 13 objective/<domain> columns are not domains');
    // each per-domain objective column is that domain's loss of the same run
    for (const m of REGMIX_METRICS) {
      const one = parseTable(made.csv, 'regmix-table.csv', { fidelity: 'fidelity', cost: 'cost', params: 'params', objective: `objective/${m}` });
      const row = one.table!.rows.find((r) => r.fidelity === '1B')!;
      assert.ok(Math.abs(row.objective - Number(first[header.indexOf(`metric/the_pile_${m}_val_loss`)])) < 1e-8, m);
    }
    for (const r of table!.rows) assert.ok(Math.abs(r.w.reduce((a, b) => a + b, 0) - 1) < 1e-9);
    assert.deepEqual(table!.levels.map((l) => [l.label, l.cost, l.params]), [['1M', 0.001, 1e6], ['60M', 0.06, 6e7], ['1B', 1, 1e9]]);
  });
});
