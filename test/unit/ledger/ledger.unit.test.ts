import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { appendFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { acceptOnce, appendEvent, createTrialId, ledgerPathFor, readLedger } from '../../../src/ledger/append';
import type { LedgerEvent } from '../../../src/ledger/ledger';
import { foldTrials, newTrialId, parseLedger } from '../../../src/ledger/ledger';

const mixture = { github: 0.25, arxiv: 0.75 };
let clock = Date.parse('2026-11-01T00:00:00Z');
function ev(event: LedgerEvent['event'], trial: string, extra: Partial<LedgerEvent> = {}): LedgerEvent {
  clock += 1000;
  const base = { v: 1 as const, event, trial, time: new Date(clock).toISOString(), actor: 'w1' };
  return event === 'suggested' || event === 'accepted' ? { ...base, mixture, model: '60M', steps: 2000, ...extra } : { ...base, ...extra };
}
const lines = (events: LedgerEvent[]): string => events.map((e) => `${JSON.stringify(e)}\n`).join('');

describe('parseLedger', () => {
  test('a torn last line is skipped with an info; nothing before it is lost', () => {
    const text = lines([ev('accepted', 't1'), ev('launched', 't1')]) + '{"v":1,"event":"compl';
    const r = parseLedger(text);
    assert.equal(r.events.length, 2);
    assert.deepEqual(r.diagnostics.map((d) => [d.severity, d.line]), [['info', 3]]);
  });
  test('a corrupt middle line and invalid events are reported with their line and skipped', () => {
    const text = [
      JSON.stringify(ev('accepted', 't1')),
      'garbage{',
      JSON.stringify({ v: 2, event: 'accepted', trial: 'x', time: '2026-11-01T00:00:00Z' }),
      JSON.stringify({ v: 1, event: 'exploded', trial: 'x', time: '2026-11-01T00:00:00Z' }),
      JSON.stringify({ v: 1, event: 'accepted', trial: 'x', time: '2026-11-01T00:00:00Z', actor: 'a' }),
      JSON.stringify({ v: 1, event: 'launched', trial: 'x', time: 'yesterday', actor: 'a' }),
      JSON.stringify({ ...ev('accepted', 'y'), mixture: { github: -1 } }),
      '',
      JSON.stringify(ev('completed', 't1')),
    ].join('\r\n') + '\r\n';
    const r = parseLedger(`\uFEFF${text}`);
    assert.deepEqual(r.events.map((e) => e.event), ['accepted', 'completed']);
    assert.deepEqual(r.diagnostics.map((d) => d.line), [2, 3, 4, 5, 6, 7]);
    assert.ok(r.diagnostics.every((d) => d.severity === 'warning'));
  });
});

describe('foldTrials', () => {
  test('state machine: suggested -> pending -> launched -> completed; latest terminal status wins', () => {
    const events = [ev('suggested', 't1', { predicted: { mean: 2, lower: 1.5, upper: 2.5 } }), ev('accepted', 't1', { config: 'configs/generated/t1.yaml' })];
    assert.equal(foldTrials(events)[0]?.status, 'pending');
    events.push(ev('launched', 't1'));
    const launched = foldTrials(events)[0];
    assert.equal(launched?.status, 'pending');
    assert.equal(launched?.launched, true);
    events.push(ev('failed', 't1', { note: 'OOM' }), ev('launched', 't1'), ev('completed', 't1', { run: 'runs/t1' }));
    const t = foldTrials(events)[0];
    assert.equal(t?.status, 'completed');
    assert.equal(t?.run, 'runs/t1');
    assert.equal(t?.config, 'configs/generated/t1.yaml');
    assert.deepEqual(t?.predicted, { mean: 2, lower: 1.5, upper: 2.5 });
    assert.equal(foldTrials([...events, ev('abandoned', 't1')])[0]?.status, 'abandoned');
  });
  test('idempotent: every event twice gives the same trials', () => {
    const events = [ev('suggested', 't1'), ev('accepted', 't1'), ev('launched', 't1'), ev('completed', 't1'), ev('accepted', 't2'), ev('failed', 't2')];
    const doubled = events.flatMap((e) => [e, e]);
    assert.deepEqual(foldTrials(doubled), foldTrials(events));
    const replayedLate = [...events, ...events];
    assert.deepEqual(foldTrials(replayedLate).map((t) => [t.id, t.status]), [['t1', 'completed'], ['t2', 'failed']]);
  });
  test('two windows accepting the same suggestion: the first accepted line with the key wins', () => {
    const events = [ev('accepted', 'ta', { key: 's-9', actor: 'w1' }), ev('accepted', 'tb', { key: 's-9', actor: 'w2' }), ev('launched', 'tb'), ev('accepted', 'tc', { key: 's-10' })];
    const trials = foldTrials(events);
    assert.deepEqual(trials.map((t) => t.id), ['ta', 'tc']);
  });
  test('events for unknown trials are ignored', () => {
    assert.deepEqual(foldTrials([ev('completed', 'ghost')]), []);
  });
});

describe('trial ids', () => {
  test('format t-<yyyymmdd-hhmmss>-<random6>, UTC', () => {
    const values = [0, 0.5, 0.99, 0.1, 0.2, 0.3];
    let i = 0;
    // 0 -> '0', 0.5 -> 18 -> 'i', 0.99 -> 35 -> 'z', 0.1 -> 3, 0.2 -> 7, 0.3 -> 10 -> 'a'
    assert.equal(newTrialId(new Date('2026-03-04T05:06:07Z'), () => values[i++ % values.length] ?? 0), 't-20260304-050607-0iz37a');
  });
  test('ids from the crypto source in the same second are distinct and use the whole alphabet', () => {
    // 36^6 = 2.2e9 suffixes a second: 200 ids collide with probability ~1e-5 (10,000 would, ~2% of the time)
    const now = new Date();
    const ids = new Set(Array.from({ length: 200 }, () => createTrialId(now)));
    assert.equal(ids.size, 200);
    for (const id of ids) assert.match(id, /^t-\d{8}-\d{6}-[0-9a-z]{6}$/);
    const chars = new Set([...ids].flatMap((id) => [...id.slice(-6)]));
    assert.ok(chars.size >= 30, `only ${chars.size} distinct characters`);
  });
});

describe('appendEvent / readLedger / acceptOnce', () => {
  test('creates .mixopt/, writes whole lines, repairs a torn last line before appending', () => {
    const dir = mkdtempSync(join(tmpdir(), 'mixopt-ledger-unit-'));
    try {
      const path = ledgerPathFor(join(dir, 'pile.mixopt.yaml'));
      assert.equal(path, join(dir, '.mixopt', 'ledger.jsonl'));
      assert.deepEqual(readLedger(path), { events: [], diagnostics: [] });
      appendEvent(path, ev('accepted', 't1'));
      appendFileSync(path, '{"v":1,"event":"laun');
      appendEvent(path, ev('completed', 't1'));
      const text = readFileSync(path, 'utf8');
      assert.ok(text.endsWith('\n'));
      const r = readLedger(path);
      assert.deepEqual(r.events.map((e) => e.event), ['accepted', 'completed']);
      assert.deepEqual(r.diagnostics.map((d) => [d.severity, d.line]), [['warning', 2]]);
      assert.equal(foldTrials(r.events)[0]?.status, 'completed');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
  test('acceptOnce: a second acceptance of the same suggestion returns the first trial and writes nothing', () => {
    const dir = mkdtempSync(join(tmpdir(), 'mixopt-ledger-accept-'));
    try {
      const path = join(dir, '.mixopt', 'ledger.jsonl');
      const first = acceptOnce(path, { ...ev('accepted', 'ta'), event: 'accepted', key: 'sugg-1' });
      const second = acceptOnce(path, { ...ev('accepted', 'tb'), event: 'accepted', key: 'sugg-1' });
      assert.deepEqual(first, { trial: 'ta', won: true });
      assert.deepEqual(second, { trial: 'ta', won: false });
      assert.equal(readLedger(path).events.length, 1);
      writeFileSync(path, '');
      assert.deepEqual(readLedger(path).events, []);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
