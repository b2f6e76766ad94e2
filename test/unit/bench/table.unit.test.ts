import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { fidelitiesOf, parseTable } from '../../../src/bench/table';

const good = `fidelity,params,cost,objective,web,code,books
small,1e6,0.01,3.5,0.5,0.25,0.25
small,1e6,0.01,3.4,0.2,0.2,0.6
big,1e9,1,2.1,0.1,0.1,0.8
big,1e9,1,2.0,2,1,1
`;

describe('replay table parsing', () => {
  test('a good table: domains are the other columns, weights renormalised, levels cheapest first', () => {
    const { table, diagnostics } = parseTable(good, 't.csv');
    assert.deepEqual(diagnostics, []);
    assert.ok(table);
    assert.deepEqual(table.domains, ['web', 'code', 'books']);
    assert.equal(table.rows.length, 4);
    assert.deepEqual(Array.from(table.rows[3]!.w), [0.5, 0.25, 0.25]);
    assert.equal(table.rows[3]!.line, 5);
    assert.deepEqual(table.levels.map((l) => [l.label, l.cost, l.rows]), [['small', 0.01, 2], ['big', 1, 2]]);
    const fid = fidelitiesOf(table, 'big');
    assert.ok(!('error' in fid));
    assert.equal(fid.target.s, 1);
    assert.equal(fid.fidelities.find((f) => f.label === 'small')!.s, 0);
  });

  test('renamed columns via options; quoted cells; CRLF line ends', () => {
    const text = '"run size",price,loss,a,b\r\ns,0.5,3,1,1\r\nt,2,"2.5",0,1\r\n';
    const { table, diagnostics } = parseTable(text, 'x.csv', { fidelity: 'run size', cost: 'price', params: 'params', objective: 'loss' });
    assert.deepEqual(diagnostics, []);
    assert.deepEqual(table!.domains, ['a', 'b']);
    assert.equal(table!.rows[1]!.objective, 2.5);
  });

  test('a missing required column names the column, the header line and the flag', () => {
    const { table, diagnostics } = parseTable('fidelity,cost,a,b\ns,1,0.5,0.5\n', 'm.csv');
    assert.equal(table, undefined);
    assert.equal(diagnostics.length, 1);
    assert.equal(diagnostics[0]!.file, 'm.csv');
    assert.equal(diagnostics[0]!.line, 1);
    assert.match(diagnostics[0]!.message, /no column named "objective"/);
    assert.match(diagnostics[0]!.hint!, /--objective-column/);
  });

  test('a bad cell names file, line and column', () => {
    const text = good.replace('small,1e6,0.01,3.4,0.2', 'small,1e6,0.01,oops,0.2');
    const { table, diagnostics } = parseTable(text, 'bad.csv');
    assert.equal(table, undefined);
    assert.equal(diagnostics.length, 1);
    const d = diagnostics[0]!;
    assert.equal(d.file, 'bad.csv');
    assert.equal(d.line, 3);
    assert.equal(d.column, 'small,1e6,0.01,'.length + 1);
    assert.match(d.message, /objective.*"oops"/);
  });

  test('every problem is reported: wrong cell count, negative weight, zero cost, all-zero weights', () => {
    const text = `fidelity,cost,objective,a,b
s,1,2,0.5,0.5
s,1,2,0.5
s,1,2,-0.1,1
s,0,2,0.5,0.5
s,2,2,0.5,0.5
s,1,2,0,0
`;
    const { table, diagnostics } = parseTable(text, 'e.csv');
    assert.equal(table, undefined);
    const byLine = new Map(diagnostics.map((d) => [d.line, d.message]));
    assert.equal(byLine.has(2), false);
    assert.match(byLine.get(3)!, /4 cells, but the header has 5 columns/);
    assert.match(byLine.get(4)!, /negative/);
    assert.match(byLine.get(5)!, /cost must be positive/);
    // a row may have its own cost: line 6 is fine
    assert.equal(byLine.has(6), false);
    assert.match(byLine.get(7)!, /every domain weight is zero/);
    assert.equal(diagnostics.find((d) => d.line === 4)!.column, 't,1,2,'.length + 1);
    for (const d of diagnostics) assert.equal(d.file, 'e.csv');
  });

  test('rows of one fidelity may have their own costs: the level cost is their median, costVaries says so', () => {
    const text = `fidelity,cost,objective,a,b
s,0.01,3,0.5,0.5
s,0.03,3.1,0.2,0.8
s,0.02,3.2,0.9,0.1
t,1,2,0.5,0.5
t,1,2.1,0.4,0.6
`;
    const { table, diagnostics } = parseTable(text, 'c.csv');
    assert.deepEqual(diagnostics, []);
    assert.deepEqual(table!.levels.map((l) => [l.label, l.cost, l.costVaries]), [['s', 0.02, true], ['t', 1, false]]);
    assert.deepEqual(table!.rows.map((r) => r.cost), [0.01, 0.03, 0.02, 1, 1]);
  });

  test('objective columns: objective/<name> columns are not domains; --objective-column picks one; a wrong name lists them', () => {
    const text = `fidelity,cost,objective,objective/web,objective/code,web,code
s,1,3,3.5,2.5,0.5,0.5
t,2,2,2.2,1.8,0.3,0.7
`;
    const mean = parseTable(text, 'o.csv');
    assert.deepEqual(mean.diagnostics, []);
    assert.deepEqual(mean.table!.domains, ['web', 'code']);
    assert.deepEqual(mean.table!.objectives, ['objective', 'objective/web', 'objective/code']);
    assert.deepEqual(mean.table!.rows.map((r) => r.objective), [3, 2]);
    const code = parseTable(text, 'o.csv', { fidelity: 'fidelity', cost: 'cost', params: 'params', objective: 'objective/code' });
    assert.deepEqual(code.table!.domains, ['web', 'code']);
    assert.deepEqual(code.table!.rows.map((r) => r.objective), [2.5, 1.8]);
    const wrong = parseTable(text, 'o.csv', { fidelity: 'fidelity', cost: 'cost', params: 'params', objective: 'objective/books' });
    assert.equal(wrong.table, undefined);
    assert.match(wrong.diagnostics[0]!.message, /no column named "objective\/books"/);
    assert.match(wrong.diagnostics[0]!.hint!, /objective columns are: objective, objective\/web, objective\/code/);
  });

  test('empty input, header only, duplicate columns and an unknown target are clear errors, not exceptions', () => {
    assert.match(parseTable('', 'a.csv').diagnostics[0]!.message, /empty/);
    assert.match(parseTable('fidelity,cost,objective,a\n', 'a.csv').diagnostics[0]!.message, /no rows/);
    assert.match(parseTable('fidelity,cost,objective,a,a\n', 'a.csv').diagnostics[0]!.message, /appears twice/);
    assert.match(parseTable('fidelity,cost,objective\n', 'a.csv').diagnostics[0]!.message, /no domain weight columns/);
    const fid = fidelitiesOf(parseTable(good, 'g.csv').table!, 'huge');
    assert.ok('error' in fid && /small, big/.test(fid.error));
  });

  test('random bytes never throw', () => {
    let state = 7;
    const next = (): number => ((state = (state * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
    const alphabet = 'fidelity,cost,objective,ab\n"0.1e-\r';
    for (let k = 0; k < 200; k++) {
      const text = Array.from({ length: Math.floor(next() * 120) }, () => alphabet[Math.floor(next() * alphabet.length)]).join('');
      const result = parseTable(text, 'r.csv');
      assert.ok(result.table !== undefined || result.diagnostics.length > 0);
    }
  });
});
