// Hostile input to the run readers (issue 12: #1 deep nesting, #3 prototype names, #8 size limits, #12 symlinks).
// Every case: no throw, a diagnostic naming the file, and a loose bound on time and memory that the code of
// before failed (5000-deep JSON overflowed the stack; a 1e6-row CSV took 57 s and 3.5 GB; a 3M-key line 150 s
// and 2.2 GB; a link to / walked the disk).
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseCsvTable } from '../../../src/runs/csv';
import { discoverRuns } from '../../../src/runs/discover';
import { parseHfTrainer } from '../../../src/runs/hf';
import { parseMixoptJsonl } from '../../../src/runs/jsonl';
import { parseLightningCsv } from '../../../src/runs/lightning';
import { parseMlflowRun } from '../../../src/runs/mlflow';
import { loadSqlite } from '../../../src/runs/sqlite';
import type { ParseResult } from '../../../src/runs/types';
import { parseWandbRun } from '../../../src/runs/wandb';
import { buildDataset } from '../../../src/engine/dataset';
import type { Study } from '../../../src/study/types';
import { makeStudy } from '../runs/study-fixture';

const study = makeStudy();
const deep = (n: number): string => '['.repeat(n) + ']'.repeat(n);

/** Runs `fn` and checks it finished within `seconds` and left the heap below `mib`. */
function bounded<T>(what: string, seconds: number, mib: number, fn: () => T): T {
  const t0 = performance.now();
  const result = fn();
  const s = (performance.now() - t0) / 1000;
  const heap = process.memoryUsage().heapUsed / 2 ** 20;
  assert.ok(s < seconds, `${what}: ${s.toFixed(1)} s, bound ${seconds} s`);
  assert.ok(heap < mib, `${what}: heap ${heap.toFixed(0)} MiB, bound ${mib} MiB`);
  return result;
}

function named(r: ParseResult, file: string, pattern: RegExp): void {
  assert.ok(
    r.diagnostics.some((d) => d.file === file && pattern.test(d.message)),
    `a diagnostic on ${file} matching ${pattern}: ${JSON.stringify(r.diagnostics.map((d) => [d.file, d.message]))}`,
  );
}

describe('hostile: deep nesting never overflows the stack (issue 12 #1)', () => {
  for (const field of ['mixture', 'status', 'metrics', 'model', 'params']) {
    test(`a JSONL line whose ${field} nests 5000 and 10^6 deep costs that line only`, () => {
      for (const depth of [5000, 1_000_000]) {
        const good = '{"run":"ok","step":1,"model":"1M","mixture":{"github":1},"metrics":{"val_loss/github":2}}';
        const bad = `{"run":"bad","step":1,"model":"1M","mixture":{"github":1},"metrics":{"val_loss/github":2},"${field}":${deep(depth)}}`;
        const r = bounded(`depth ${depth}`, 10, 1500, () => parseMixoptJsonl(`${good}\n${bad}\n${good.replace('"ok"', '"ok2"')}\n`, 'runs/x.jsonl', study));
        assert.deepEqual(r.runs.map((x) => x.id), ['ok', 'ok2']);
        // 10^6 levels make a 2 MiB line: refused by its length before parsing
        assert.ok(r.diagnostics.some((d) => d.file === 'runs/x.jsonl' && d.line === 2 && (depth > 100_000 ? /MiB/ : /nests deeper/).test(d.message)), JSON.stringify(r.diagnostics));
      }
    });
  }

  test('deep JSON and YAML in every other reader: a diagnostic with the file', () => {
    const d = deep(5000);
    named(parseHfTrainer({ dir: 'hf', trainerState: { file: 'hf/trainer_state.json', text: `{"log_history": ${d}}` }, configs: [] }, study), 'hf/trainer_state.json', /nests deeper/);
    named(parseHfTrainer({ dir: 'hf', configs: [{ file: 'hf/config.json', text: `{"data": ${d}}` }] }, study), 'hf/config.json', /nests deeper/);
    const yamlDeep = `data:\n  mixture: ${'['.repeat(3000)}${']'.repeat(3000)}\n`;
    const lightning = parseLightningCsv({ dir: 'l', metricsCsv: { file: 'l/metrics.csv', text: 'step,val_loss/github\n0,2\n' }, hparams: { file: 'l/hparams.yaml', text: yamlDeep } }, study);
    assert.ok(lightning.diagnostics.some((x) => x.file === 'l/hparams.yaml' && x.severity === 'error'), JSON.stringify(lightning.diagnostics));
    named(parseWandbRun({ dir: 'w', summary: { file: 'w/wandb-summary.json', text: `{"_step": 1, "x": ${d}}` } }, study), 'w/wandb-summary.json', /nests deeper/);
    const mlflow = parseMlflowRun({ dir: 'm', meta: { file: 'm/meta.yaml', text: 'status: 3\n' }, params: [{ key: 'data.mixture', file: 'm/params/data.mixture', text: d }], metrics: [], tags: [] }, study);
    assert.ok(mlflow.diagnostics.every((x) => x.file.startsWith('m/')));
  });
});

describe('hostile: __proto__, constructor, toString as domain and metric names (issue 12 #3)', () => {
  const names = ['__proto__', 'constructor', 'toString', 'github'];
  const s: Study = makeStudy({ domains: names });
  const check = (r: ParseResult, what: string): void => {
    const run = r.runs[0];
    assert.ok(run?.mixture, `${what}: mixture read (${JSON.stringify(r.diagnostics)})`);
    for (const n of names) assert.ok(Object.prototype.hasOwnProperty.call(run.mixture, n), `${what}: weight of ${n}`);
    assert.ok(Math.abs(Object.values(run.mixture).reduce((a, b) => a + b, 0) - 1) < 1e-9);
    assert.ok(Math.abs((run.mixture['__proto__'] ?? 0) - 0.4) < 1e-12);
    const last = run.checkpoints[run.checkpoints.length - 1];
    for (const n of names) assert.equal(typeof last?.metrics[`val_loss/${n}`], 'number', `${what}: metric val_loss/${n}`);
    assert.equal(Object.getPrototypeOf(run.mixture), Object.prototype, 'records stay ordinary objects');
  };
  const mixtureJson = '{"__proto__": 0.4, "constructor": 0.3, "toString": 0.2, "github": 0.1}';
  const metricsJson = '{"val_loss/__proto__": 2.1, "val_loss/constructor": 2.2, "val_loss/toString": 2.3, "val_loss/github": 2.4}';

  test('MixOpt JSONL', () => {
    check(parseMixoptJsonl(`{"run":"p","step":10,"model":"1M","mixture":${mixtureJson},"metrics":${metricsJson}}\n`, 'p.jsonl', s), 'jsonl');
  });
  test('CSV table with __proto__ columns', () => {
    const text = 'run,__proto__,constructor,toString,github,val_loss/__proto__,val_loss/constructor,val_loss/toString,val_loss/github\nr1,0.4,0.3,0.2,0.1,2.1,2.2,2.3,2.4\n';
    const mapping = { weightColumn: '{domain}', metricColumns: { 'val_loss/{domain}': 'val_loss/{domain}' }, runIdColumn: 'run', model: '1M' };
    check(parseCsvTable({ file: 't.csv', text }, undefined, mapping, s), 'csv');
  });
  test('W&B summary and config, Lightning metrics.csv and hparams.yaml, MLflow flattened params', () => {
    const config = `mixture:\n  value:\n    __proto__: 0.4\n    constructor: 0.3\n    toString: 0.2\n    github: 0.1\nmodel:\n  value: 1M\n`;
    check(parseWandbRun({ dir: 'w', config: { file: 'w/config.yaml', text: config }, summary: { file: 'w/s.json', text: `{"_step": 5, ${metricsJson.slice(1, -1)}}` } }, s), 'wandb');
    const csv = 'step,val_loss/__proto__,val_loss/constructor,val_loss/toString,val_loss/github\n9,2.1,2.2,2.3,2.4\n';
    check(parseLightningCsv({ dir: 'l', metricsCsv: { file: 'l/metrics.csv', text: csv }, hparams: { file: 'l/hparams.yaml', text: `model_name: 1M\nmixture: ${mixtureJson}\n` } }, s), 'lightning');
    const params = names.map((n, i) => ({ key: `data.mixture.${n}`, file: `m/params/data.mixture.${n}`, text: String([0.4, 0.3, 0.2, 0.1][i]) }));
    const metrics = names.map((n, i) => ({ key: `val_loss/${n}`, file: `m/metrics/val_loss/${n}`, text: `1 ${2.1 + i / 10} 10\n` }));
    check(parseMlflowRun({ dir: 'm', meta: { file: 'm/meta.yaml', text: 'status: 3\n' }, params: [...params, { key: 'model.name', file: 'm/params/model.name', text: '1M' }], metrics, tags: [] }, s), 'mlflow');
  });
  test('the dataset keeps every such domain in the mixture vector', () => {
    const r = parseMixoptJsonl(`{"run":"p","step":25000,"model":"1B","mixture":${mixtureJson},"metrics":${metricsJson}}\n`, 'p.jsonl', s);
    const ds = buildDataset(s, r.runs, () => 1);
    assert.equal(ds.observations.length, 1);
    const w = [...(ds.observations[0]?.w ?? [])];
    [0.4, 0.3, 0.2, 0.1].forEach((x, i) => assert.ok(Math.abs((w[i] ?? -1) - x) < 1e-12, `w[${i}] = ${w[i]}`));
  });
});

describe('hostile: size limits checked before allocating (issue 12 #8)', () => {
  test('a CSV table of 10^6 rows is refused with the file and what to do, in bounded time and memory', () => {
    const header = `run,${study.domains.join(',')},val_loss/github\n`;
    const text = header + 'r,0.25,0.25,0.25,0.25,2.5\n'.repeat(1_000_000);
    const mapping = { weightColumn: '{domain}', metricColumns: { 'val_loss/github': 'val_loss/github' }, runIdColumn: 'run', model: '1M' };
    const r = bounded('1e6-row CSV', 5, 1500, () => parseCsvTable({ file: 'big.csv', text }, undefined, mapping, study));
    assert.equal(r.runs.length, 0);
    named(r, 'big.csv', /more than 100000 rows/);
    assert.match(r.diagnostics[0]?.hint ?? '', /runs\.exclude/);
  });

  test('one JSONL line with 3M metric keys is skipped before parsing; the other lines are read', () => {
    const chunk = Array.from({ length: 1000 }, (_, i) => `"m${i}_J":1`).join(',');
    const keys = Array.from({ length: 3000 }, (_, j) => chunk.replaceAll('_J', `_${j}`)).join(',');
    const line = `{"run":"huge","step":1,"model":"1M","mixture":{"github":1},"metrics":{${keys}}}`;
    const ok = '{"run":"ok","step":1,"model":"1M","mixture":{"github":1},"metrics":{"val_loss/github":2}}';
    const r = bounded('3M-key line', 5, 1500, () => parseMixoptJsonl(`${ok}\n${line}\n`, 'wide.jsonl', study));
    assert.deepEqual(r.runs.map((x) => x.id), ['ok']);
    assert.ok(r.diagnostics.some((d) => d.file === 'wide.jsonl' && d.line === 2 && /MiB/.test(d.message)));
  });
});

describe('hostile: symbolic links in discovery (issue 12 #12)', () => {
  let dir = '';
  before(async () => {
    await loadSqlite();
    dir = mkdtempSync(join(tmpdir(), 'mixopt-hostile-links-'));
    mkdirSync(join(dir, 'runs', 'a'), { recursive: true });
    writeFileSync(join(dir, 'runs', 'a', 'log.jsonl'), '{"run":"one","step":25000,"model":"1B","mixture":{"github":1},"metrics":{"val_loss/github":2}}\n');
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  test('runs/a/root -> / is not walked; the link is reported with the fix', () => {
    symlinkSync('/', join(dir, 'runs', 'a', 'root'));
    const r = bounded('link to /', 10, 1500, () => discoverRuns(makeStudy({ runs: { include: ['runs/**'], exclude: [] } }), dir));
    assert.deepEqual(r.runs.map((x) => x.id), ['one']);
    assert.ok(r.diagnostics.some((d) => d.file === 'runs/a/root' && /outside the study folder/.test(d.message) && /runs\.include/.test(d.hint ?? '')));
  });

  test('a file link to another log counts its runs once', () => {
    symlinkSync(join(dir, 'runs', 'a', 'log.jsonl'), join(dir, 'runs', 'copy.jsonl'));
    const r = discoverRuns(makeStudy({ runs: { include: ['runs/**'], exclude: [] } }), dir);
    assert.deepEqual(r.runs.map((x) => x.id), ['one'], 'not also read as one@runs/copy.jsonl');
  });
});
