import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { pairTableFiles, parseCsvTable, tokenizeCsv } from '../../../src/runs/csv';
import type { CsvMapping } from '../../../src/study/types';
import { DiagnosticSink } from '../../../src/runs/util';
import { regmixStudy } from './study-fixture';

// the RegMix release's CSV files, committed with the tests (test/fixtures/regmix/PROVENANCE.md)
const REGMIX = resolve('test', 'fixtures', 'regmix');
const mapping: CsvMapping = {
  join: 'index',
  weightColumn: 'train_the_pile_{domain}',
  metricColumns: { 'val_loss/{domain}': 'metric/the_pile_{domain}_val_loss' },
};

describe('tokenizeCsv', () => {
  test('quotes, doubled quotes, separators and newlines inside quotes, CRLF, BOM', () => {
    const sink = new DiagnosticSink('f');
    const t = tokenizeCsv('\uFEFFa,b,c\r\n"x, y","say ""hi""","two\nlines"\r\n,,\r\nlast,row,here', sink);
    assert.deepEqual(
      t.rows.map((r) => r.fields),
      [['a', 'b', 'c'], ['x, y', 'say "hi"', 'two\nlines'], ['', '', ''], ['last', 'row', 'here']],
    );
    assert.deepEqual(t.rows.map((r) => r.line), [1, 2, 4, 5]);
    assert.equal(t.terminated, false);
    assert.equal(sink.list.length, 0);
  });
  test('an unclosed quote drops only its own row, with a warning', () => {
    const sink = new DiagnosticSink('f');
    const t = tokenizeCsv('a,b\n1,2\n3,"open\n', sink);
    assert.deepEqual(t.rows.map((r) => r.fields), [['a', 'b'], ['1', '2']]);
    assert.equal(sink.list[0]?.line, 3);
  });
  test('a quote inside an unquoted field is kept as text', () => {
    const t = tokenizeCsv('a,b"c,d\n', new DiagnosticSink('f'));
    assert.deepEqual(t.rows[0]?.fields, ['a', 'b"c', 'd']);
  });
});

describe('RegMix tables read as they are', () => {
  const study = regmixStudy();
  const src = (name: string) => ({ file: name, text: readFileSync(`${REGMIX}/${name}`, 'utf8') });
  test('1m pair (rows numbered from 1): 256 runs, weights and losses joined by index', () => {
    const r = parseCsvTable(src('test_mixture_1m.csv'), src('test_pile_loss_1m.csv'), mapping, study);
    assert.equal(r.runs.length, 256);
    assert.ok(r.diagnostics.every((d) => d.severity !== 'error'));
    const first = r.runs.find((x) => x.id === 'test_mixture_1m#1');
    assert.equal(first?.model, '1M');
    // row index 1 of test_pile_loss_1m.csv: arxiv 4.409877777099609, github 6.537395000457764
    assert.equal(first?.checkpoints[0]?.metrics['val_loss/arxiv'], 4.409877777099609);
    assert.equal(first?.checkpoints[0]?.metrics['val_loss/github'], 6.537395000457764);
    assert.equal(Object.keys(first?.checkpoints[0]?.metrics ?? {}).length, 13);
    for (const run of r.runs) {
      const sum = Object.values(run.mixture ?? {}).reduce((a, b) => a + b, 0);
      assert.ok(Math.abs(sum - 1) < 1e-9, run.id);
    }
  });
  test('1B pair (rows numbered from 0, no newline at the end of the loss file): 64 runs, model 1B', () => {
    const r = parseCsvTable(src('test_mixture_1B.csv'), src('test_pile_loss_1B.csv'), mapping, study);
    assert.equal(r.runs.length, 64);
    assert.ok(r.runs.every((x) => x.model === '1B' && x.checkpoints.length === 1));
    assert.ok(r.runs.some((x) => x.id === 'test_mixture_1B#0'));
    assert.ok(r.runs.some((x) => x.id === 'test_mixture_1B#63'));
    assert.equal(r.diagnostics.filter((d) => /no row with the same index/.test(d.message)).length, 0);
  });
  test('joining across pairs would misalign: a 1m mixture file with the 1B loss file leaves rows unmatched', () => {
    const r = parseCsvTable(src('test_mixture_1m.csv'), src('test_pile_loss_1B.csv'), mapping, study);
    assert.ok(r.diagnostics.some((d) => /no row with the same index/.test(d.message)));
  });
  test('pairing by file name keeps each pair together', () => {
    const { pairs, unpaired } = pairTableFiles(
      ['d/test_mixture_1B.csv', 'd/test_mixture_1m.csv', 'd/test_mixture_60m.csv', 'd/train_mixture_1m.csv'],
      ['d/test_pile_loss_1B.csv', 'd/test_pile_loss_1m.csv', 'd/test_pile_loss_60m.csv', 'd/train_pile_loss_1m.csv'],
    );
    assert.deepEqual(unpaired, []);
    assert.deepEqual(
      pairs.map(([m, l]) => `${m.slice(2)} ${l.slice(2)}`).sort(),
      [
        'test_mixture_1B.csv test_pile_loss_1B.csv',
        'test_mixture_1m.csv test_pile_loss_1m.csv',
        'test_mixture_60m.csv test_pile_loss_60m.csv',
        'train_mixture_1m.csv train_pile_loss_1m.csv',
      ],
    );
  });
  test('a non-numeric weight or metric is reported with its line and column; other rows stay', () => {
    const mix = { file: 'm.csv', text: 'index,train_the_pile_github,train_the_pile_arxiv\n1,0.5,0.5\n2,abc,0.5\n3,0.3,0.7\n' };
    const loss = { file: 'l.csv', text: 'index,metric/the_pile_github_val_loss\n1,2.0\n2,2.1\n3,inf\n' };
    const r = parseCsvTable(mix, loss, { ...mapping, model: '1M' }, study);
    assert.deepEqual(r.runs.map((x) => x.id), ['m#1', 'm#3']);
    assert.ok(r.diagnostics.some((d) => d.file === 'm.csv' && d.line === 3 && d.key === 'train_the_pile_github'));
    assert.ok(r.diagnostics.some((d) => d.file === 'l.csv' && d.line === 4));
    assert.equal(r.runs[1]?.checkpoints[0]?.metrics['val_loss/github'], undefined);
  });
  test('one table with weights, metrics, model and steps columns', () => {
    const table = {
      file: 'sweep.csv',
      text: 'name,size,steps,github,arxiv,loss_github\nr1,1m,1000,0.5,0.5,3.1\nr2,1B,25000,0.2,0.8,2.2\nr1,60M,2000,0.4,0.6,2.9\n',
    };
    const r = parseCsvTable(table, undefined, { weightColumn: '{domain}', metricColumns: { 'val_loss/github': 'loss_github' }, modelColumn: 'size', stepsColumn: 'steps', runIdColumn: 'name' }, study);
    assert.deepEqual(r.runs.map((x) => [x.id, x.model, x.steps, x.checkpoints[0]?.step, x.checkpoints[0]?.metrics['val_loss/github']]), [
      ['r1', '1M', 1000, 1000, 3.1],
      ['r2', '1B', 25000, 25000, 2.2],
      ['r1@4', '60M', 2000, 2000, 2.9],
    ]);
    assert.ok(r.diagnostics.some((d) => d.line === 4 && /appears twice/.test(d.message)));
  });
});
