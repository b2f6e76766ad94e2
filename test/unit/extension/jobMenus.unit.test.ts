// The trials tree's job actions: which menu entries package.json shows for which tree item (its `when` clauses
// matched against the contextValue the tree gives), and what a trial's description and tooltip say.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import type { StudySnapshot, TrialView } from '../../../src/protocol/snapshot';
import { trialContextValue, trialDescription, trialTooltip } from '../../../src/extension/logic';

const manifest = JSON.parse(readFileSync('package.json', 'utf8')) as {
  contributes: { commands: { command: string; enablement?: string }[]; menus: Record<string, { command: string; when?: string; group?: string }[]> };
};
/** Commands of the tree item's context menu for a contextValue (only the viewItem =~ /…/ part of `when`). */
function menuFor(contextValue: string): string[] {
  return manifest.contributes.menus['view/item/context']!
    .filter((m) => {
      const re = /viewItem =~ \/(.*)\/(?:\s|$)/.exec(m.when ?? '')?.[1];
      const eq = /viewItem == (\S+)/.exec(m.when ?? '')?.[1];
      return re !== undefined ? new RegExp(re).test(contextValue) : eq === contextValue;
    })
    .filter((m) => m.group?.startsWith('1_trial') || m.group?.startsWith('2_mark'))
    .map((m) => m.command);
}
const trial = (status: TrialView['status'], job?: TrialView['job']): TrialView => ({ id: 't-1', status, mixture: { a: 1 }, model: '60M', steps: 100, cost: 0.06, configPath: 'configs/generated/t-1.yaml', ...(job ? { job } : {}) });
const snap = { budget: { unit: '1B runs' }, objectiveLabel: 'loss', launch: { scheduler: 'slurm', command: 'sbatch x' } } as unknown as StudySnapshot;

describe('job actions in the trials tree', () => {
  test('a running job: Cancel and Open job output, no second Launch', () => {
    const cv = trialContextValue(trial('pending', { scheduler: 'slurm', id: '7', attempts: 1, state: 'running', output: '/w/slurm-7.out' }));
    assert.equal(cv, 'trial.pending.config.job.running.output');
    const menu = menuFor(cv);
    assert.ok(menu.includes('mixopt.cancelTrial') && menu.includes('mixopt.openJobOutput'), menu.join());
    assert.ok(!menu.includes('mixopt.launch') && !menu.includes('mixopt.resubmitTrial'), menu.join());
  });
  test('a failed trial: Resubmit (and Open job output); an accepted trial not launched yet: Launch, no Cancel', () => {
    const failed = menuFor(trialContextValue(trial('failed', { scheduler: 'slurm', id: '7', attempts: 1, state: 'failed', exitCode: 3, output: '/o' })));
    assert.ok(failed.includes('mixopt.resubmitTrial') && failed.includes('mixopt.openJobOutput') && !failed.includes('mixopt.cancelTrial'), failed.join());
    const accepted = menuFor(trialContextValue(trial('pending')));
    assert.ok(accepted.includes('mixopt.launch') && !accepted.includes('mixopt.cancelTrial'), accepted.join());
  });
  test('a trial with a run keeps Reveal run folder when it also has a job', () => {
    const cv = trialContextValue({ ...trial('running', { scheduler: 'slurm', id: '7', attempts: 1, state: 'running' }), runSource: 'runs/t-1' });
    assert.ok(menuFor(cv).includes('mixopt.revealRun'), cv);
  });
  test('Launch, Cancel and Resubmit are disabled (not hidden) without workspace trust; the tooltip says why', () => {
    const enablement = new Map(manifest.contributes.commands.map((c) => [c.command, c.enablement]));
    for (const c of ['mixopt.launch', 'mixopt.cancelTrial', 'mixopt.resubmitTrial']) assert.equal(enablement.get(c), 'isWorkspaceTrusted', c);
    for (const m of manifest.contributes.menus['view/item/context']!.filter((x) => ['mixopt.launch', 'mixopt.cancelTrial', 'mixopt.resubmitTrial'].includes(x.command))) {
      assert.doesNotMatch(m.when ?? '', /isWorkspaceTrusted/, `${m.command} stays visible`);
    }
    const t = trial('pending', { scheduler: 'slurm', id: '7', attempts: 1, state: 'queued', reason: 'Priority' });
    assert.match(trialTooltip(t, snap, false), /disabled: they run programs, so they need a trusted workspace/);
    assert.doesNotMatch(trialTooltip(t, snap, true), /trusted workspace/);
  });
  test('descriptions: queued with the reason; failed with the exit code; the tooltip names the output file and where logs were looked for', () => {
    assert.equal(trialDescription(trial('pending', { scheduler: 'slurm', id: '7', attempts: 1, state: 'queued', reason: 'Priority' }), '1B runs'), 'pending · queued (Priority) · 60M@100 · 0.06 1B runs');
    assert.equal(trialDescription(trial('failed', { scheduler: 'slurm', id: '7', attempts: 2, state: 'failed', exitCode: 3 }), '1B runs'), 'failed · failed, exit code 3 · 60M@100 · 0.06 1B runs');
    // a partial log: said for a running trial; for a failed one the job's end says it
    assert.equal(trialDescription({ ...trial('running', { scheduler: 'slurm', id: '7', attempts: 1, state: 'running' }), partial: true, stepsReached: 40 }, '1B runs'), 'running, partial at 40 steps · running · 60M@100 · 0.06 1B runs');
    assert.equal(trialDescription({ ...trial('failed', { scheduler: 'slurm', id: '7', attempts: 1, state: 'failed', exitCode: 3 }), partial: true, stepsReached: 40 }, '1B runs'), 'failed · failed, exit code 3 · 60M@100 · 0.06 1B runs');
    const tip = trialTooltip(trial('pending', { scheduler: 'slurm', id: '7', attempts: 2, state: 'completed', output: '/w/slurm-7.out', logsMissing: 'runs.include (runs/**) under /w' }), snap);
    assert.match(tip, /Job: slurm 7 — job completed, no logs found \(launch 2\)/);
    // paths reach the tooltip's Markdown escaped (issue 12: names from logs and ledgers are never markup)
    assert.ok(tip.includes('Job output: /w/slurm\\-7\\.out'), tip);
    assert.ok(tip.includes('MixOpt looked in runs\\.include \\(runs/\\*\\*\\) under /w'), tip);
  });
});
