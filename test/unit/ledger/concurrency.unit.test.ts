import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { foldTrials, parseLedger } from '../../../src/ledger/ledger';

const COUNT = 300;

interface Outcome {
  key: string;
  trial: string;
  winner: string;
}

/** Starts a worker; resolves `ready` once it has loaded, `done` with its acceptOnce outcomes when it exits. */
function startWorker(ledger: string, actor: string): { ready: Promise<void>; go: () => void; done: Promise<Outcome[]> } {
  const child = spawn(process.execPath, ['--import', 'tsx', 'test/unit/ledger/append-worker.ts', ledger, actor, String(COUNT)], { stdio: ['pipe', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  let markReady: () => void = () => undefined;
  const ready = new Promise<void>((resolve) => (markReady = resolve));
  child.stdout.on('data', (d: Buffer) => {
    out += d.toString();
    if (out.startsWith('ready\n')) markReady();
  });
  child.stderr.on('data', (d: Buffer) => (err += d.toString()));
  const done = new Promise<Outcome[]>((resolve, reject) => {
    child.on('error', reject);
    child.on('close', (code) => (code === 0 ? resolve(JSON.parse(out.slice('ready\n'.length)) as Outcome[]) : reject(new Error(`worker ${actor} exited ${code}: ${err}`))));
  });
  return { ready, go: () => child.stdin.end('go\n'), done };
}

test('two real processes appending at the same time: nothing lost, nothing duplicated, every line parses', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'mixopt-ledger-'));
  try {
    const ledger = join(dir, '.mixopt', 'ledger.jsonl');
    const workers = [startWorker(ledger, 'window-a'), startWorker(ledger, 'window-b')];
    await Promise.all(workers.map((w) => w.ready));
    for (const w of workers) w.go();
    const [a = [], b = []] = await Promise.all(workers.map((w) => w.done));
    const text = readFileSync(ledger, 'utf8');
    const parsed = parseLedger(text);
    assert.deepEqual(parsed.diagnostics, []);
    const lines = text.split('\n').filter((l) => l !== '');
    assert.equal(lines.length, parsed.events.length);
    // the writers really overlapped: their lines alternate in the file (each waits for the other's first line)
    let switches = 0;
    parsed.events.forEach((e, i) => {
      if (i > 0 && e.actor !== parsed.events[i - 1]?.actor) switches++;
    });
    assert.ok(switches >= 2, `only ${switches} switches between writers`);
    // every own acceptance of both actors is there exactly once
    for (const actor of ['window-a', 'window-b']) {
      const keys = parsed.events.filter((e) => e.actor === actor && e.key?.startsWith('own-')).map((e) => e.key);
      assert.equal(keys.length, COUNT);
      assert.equal(new Set(keys).size, COUNT);
    }
    const trialIds = parsed.events.map((e) => e.trial);
    assert.equal(new Set(trialIds).size, trialIds.length, 'trial ids are unique across processes');
    // each shared suggestion is accepted once: both processes agree on the winner, and the fold keeps one trial
    const outcomes = [...a, ...b];
    const winners = new Map<string, string>();
    for (const o of outcomes) {
      const known = winners.get(o.key);
      if (known !== undefined) assert.equal(o.winner, known, `both windows agree who accepted ${o.key}`);
      winners.set(o.key, o.winner);
    }
    const trials = foldTrials(parsed.events);
    assert.equal(trials.length, 2 * COUNT + winners.size);
    for (const [key, winner] of winners) {
      const holders = trials.filter((t) => t.key === key);
      assert.deepEqual(holders.map((t) => t.id), [winner]);
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
