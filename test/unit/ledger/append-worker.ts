// Child process for the ledger concurrency test: appends `count` events to the ledger as `actor`, and races the
// other process to accept shared suggestions with acceptOnce. Prints the acceptOnce outcomes as JSON.
import { existsSync, readFileSync } from 'node:fs';
import { acceptOnce, appendEvent, createTrialId } from '../../../src/ledger/append';

const [ledgerPath, actor, countText] = process.argv.slice(2);
if (ledgerPath === undefined || actor === undefined) throw new Error('usage: append-worker <ledger> <actor> <count>');
const count = Number(countText ?? 300);
const ledger: string = ledgerPath;
const me: string = actor;

// Say we are loaded, then wait for the parent's "go" on stdin so both processes start writing together.
process.stdout.write('ready\n');
process.stdin.once('data', () => {
  process.stdin.pause();
  run();
});

function waitForOther(): void {
  const until = Date.now() + 10_000;
  while (Date.now() < until) {
    if (existsSync(ledger) && readFileSync(ledger, 'utf8').split('\n').some((l) => l.includes('"actor":') && !l.includes(`"actor":"${me}"`))) return;
    Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 2);
  }
}

function run(): void {
const outcomes: { key: string; trial: string; winner: string }[] = [];
for (let i = 0; i < count; i++) {
  const trial = createTrialId();
  const base = { v: 1 as const, trial, mixture: { github: 0.5, arxiv: 0.5 }, model: '1M', steps: 1000, time: new Date().toISOString(), actor: me };
  appendEvent(ledger, { ...base, event: 'accepted', key: `own-${me}-${i}`, note: 'x'.repeat(i % 200) });
  // after its first line, each writer waits (up to 10 s) to see a line of the other one, so the two really
  // write at the same time even when the machine is busy and one process was scheduled late
  if (i === 0) waitForOther();
  if (i % 10 === 0) {
    const key = `shared-${i / 10}`;
    const shared = createTrialId();
    const result = acceptOnce(ledger, { ...base, trial: shared, event: 'accepted', key });
    outcomes.push({ key, trial: shared, winner: result.trial });
  }
}
process.stdout.write(`${JSON.stringify(outcomes)}\n`);
}
