// Issue 12 #5: processes accepting at once on one study. Three processes race to accept each of 50 recorded
// suggestions (accept --trial), then suggest-and-accept (the CLI's accept) at once for 5 rounds. Checked: nothing
// lost (every acceptance a process was told succeeded is in the ledger), nothing duplicated (each trial accepted
// once, by one event, with one config), no two pending trials with the same content, every loser told
// "already accepted by another process", no lock or temp file left behind.
import { after, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { appendEvent, createTrialId, ledgerPathFor } from '../../../src/ledger/append';
import { foldTrials, parseLedger } from '../../../src/ledger/ledger';
import { RoundChild } from './processes';
import type { ChildReply } from './processes';
import { makeWorkspace, STUDY } from './workspace';

const PROCESSES = 3;
const ROUNDS = 50;
const FRESH_ROUNDS = 5;

describe('concurrent accepts', () => {
  // 50+ accepted trials stay pending, and suggestions respect the budget left: a budget that they never use up
  const { dir, studyFile } = makeWorkspace({ study: STUDY.replace('budget: {total: 10,', 'budget: {total: 1000,') });
  const ledgerPath = ledgerPathFor(studyFile);
  const children: RoundChild[] = [];
  after(() => {
    for (const c of children) c.kill();
    rmSync(dir, { recursive: true, force: true });
  });

  test(`${PROCESSES} processes, ${ROUNDS} rounds of accept --trial and ${FRESH_ROUNDS} of suggest-and-accept: 0 lost, 0 duplicated`, { timeout: 240_000 }, async (t) => {
    const started = Date.now();
    for (let i = 0; i < PROCESSES; i++) children.push(new RoundChild([studyFile, '0', String(ROUNDS + FRESH_ROUNDS)]));
    for (const c of children) assert.equal(await c.next(), 'ready');
    const told = new Map<string, string>(); // trial -> the process told it accepted it
    for (let round = 0; round < ROUNDS; round++) {
      const trial = createTrialId();
      const a = (round + 1) / (ROUNDS + 2);
      appendEvent(ledgerPath, { v: 1, event: 'suggested', trial, mixture: { web: a, code: (1 - a) / 2, books: (1 - a) / 2 }, model: '10M', steps: 1000, time: new Date().toISOString(), actor: 'test' });
      for (const c of children) c.send(trial);
      const replies = (await Promise.all(children.map((c) => c.next()))).map((l) => JSON.parse(l) as ChildReply);
      const winners = replies.filter((r) => r.ok);
      assert.equal(winners.length, 1, `round ${round}: one winner, got ${JSON.stringify(replies)}`);
      assert.equal(winners[0]!.trial, trial);
      told.set(trial, winners[0]!.config!);
      for (const r of replies.filter((x) => !x.ok)) {
        assert.equal(r.code, 'already-accepted', `round ${round}: ${JSON.stringify(r)}`);
        assert.match(r.message!, /already accepted by another process/);
      }
    }
    let freshAccepted = 0;
    for (let round = 0; round < FRESH_ROUNDS; round++) {
      for (const c of children) c.send('fresh');
      const replies = (await Promise.all(children.map((c) => c.next()))).map((l) => JSON.parse(l) as ChildReply);
      for (const r of replies) {
        // a process either accepts a trial of its own or is told, by code, that its suggestion is already held
        if (r.ok) {
          assert.ok(!told.has(r.trial!), `fresh round ${round}: ${r.trial} accepted twice`);
          told.set(r.trial!, r.config!);
        } else assert.equal(r.code, 'already-accepted', `fresh round ${round}: ${JSON.stringify(r)}`);
      }
      freshAccepted += replies.filter((r) => r.ok).length;
    }
    // the first fresh round always has a mixture no pending trial holds (later ones may repeat one: then refused)
    assert.ok(freshAccepted >= 1, 'suggest-and-accept accepted something');
    for (const c of children) c.end();

    const text = readFileSync(ledgerPath, 'utf8');
    const ledger = parseLedger(text, ledgerPath);
    assert.deepEqual(ledger.diagnostics, [], 'every ledger line reads');
    const lines = text.split('\n').filter((l) => l !== '');
    assert.equal(new Set(lines).size, lines.length, 'no line twice');
    const accepted = ledger.events.filter((e) => e.event === 'accepted');
    const byTrial = new Map<string, number>();
    for (const e of accepted) byTrial.set(e.trial, (byTrial.get(e.trial) ?? 0) + 1);
    assert.ok([...byTrial.values()].every((n) => n === 1), 'each trial accepted by one event');
    for (const trial of told.keys()) assert.equal(byTrial.get(trial), 1, `${trial}: told accepted, so in the ledger`);
    assert.equal(accepted.length, told.size, 'no acceptance nobody was told about');
    const pending = foldTrials(ledger.events).filter((t) => t.status === 'pending');
    assert.equal(pending.length, told.size);
    const contents = pending.map((t) => `${t.model}|${t.steps}|${Object.entries(t.mixture).map(([k, v]) => `${k}=${v.toFixed(6)}`).sort().join(',')}`);
    assert.equal(new Set(contents).size, contents.length, 'no two pending trials with the same content');
    const configs = readdirSync(join(dir, 'configs', 'generated'));
    assert.deepEqual(configs.filter((f) => f.endsWith('.tmp')), [], 'no temp file left');
    assert.equal(configs.length, told.size, 'one config per accepted trial');
    for (const path of told.values()) assert.ok(existsSync(path));
    assert.ok(!existsSync(join(dir, '.mixopt', 'accept.lock')), 'the lock is released');
    const seconds = (Date.now() - started) / 1000;
    assert.ok(seconds < 200, `took ${seconds.toFixed(1)} s`);
    t.diagnostic(`race: ${told.size} trials accepted by ${PROCESSES} processes (${freshAccepted} by suggest-and-accept) in ${seconds.toFixed(1)} s`);
  });
});
