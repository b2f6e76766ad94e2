// `mixopt status` with jobs in flight: the engine's snapshot of a real study folder (the Slurm fixture workspace,
// copied) with launched events in its ledger, the scheduler answered by a fake runner replaying captured Slurm
// output; --record appends the failed event the job calls for.
import { after, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { launchTrial, recordEndedJobs, withLiveJobs } from '../../../src/cli/jobs';
import { runEngine } from '../../../src/engine/engine';
import type { StudySnapshot } from '../../../src/protocol/snapshot';
import type { CommandResult, CommandRunner } from '../../../src/scheduler/types';

const fixtures = join(__dirname, '..', '..', 'fixtures');
const captured = (name: string): CommandResult => ({ code: 0, stdout: readFileSync(join(fixtures, 'slurm', `${name}.txt`), 'utf8'), stderr: '' });
const failedId = /exit3=(\d+)/.exec(readFileSync(join(fixtures, 'slurm', 'README.txt'), 'utf8'))![1]!;

const made: string[] = [];
after(() => made.forEach((d) => rmSync(d, { recursive: true, force: true })));
function workspace(): { study: string; ledger: string; dir: string } {
  const dir = mkdtempSync(join(tmpdir(), 'mixopt-clijobs-'));
  made.push(dir);
  cpSync(join(fixtures, 'slurm-workspace'), dir, { recursive: true });
  return { dir, study: join(dir, 'tiny.mixopt.yaml'), ledger: join(dir, '.mixopt', 'ledger.jsonl') };
}
const line = (o: object): string => `${JSON.stringify({ v: 1, time: '2026-12-01T00:00:00Z', actor: 'test', ...o })}\n`;
const analyze = async (study: string): Promise<StudySnapshot> => await runEngine({ method: 'analyze', params: { studyFile: study, suggest: 0, diagnostics: false, fit: false } });

describe('mixopt status and launch with a scheduler', () => {
  test('a launched trial whose job failed: status shows exit code 3 and the output; --record marks it failed once', async () => {
    const w = workspace();
    mkdirSync(join(w.dir, '.mixopt'), { recursive: true });
    mkdirSync(join(w.dir, 'configs', 'generated'), { recursive: true });
    writeFileSync(join(w.dir, 'configs', 'generated', 't-1.yaml'), 'data: {}\n');
    writeFileSync(w.ledger, line({ event: 'accepted', trial: 't-1', mixture: { web: 0.5, code: 0.3, books: 0.2 }, model: '10M', steps: 1000, config: 'configs/generated/t-1.yaml' }) + line({ event: 'launched', trial: 't-1', job: { scheduler: 'slurm', id: failedId } }));
    const calls: string[] = [];
    const runner: CommandRunner = async (file) => {
      calls.push(file);
      if (file === 'squeue') return { code: 1, stdout: '', stderr: 'slurm_load_jobs error: Invalid job id specified' };
      return captured('scontrol-failed');
    };
    const snap = await withLiveJobs(await analyze(w.study), runner);
    const t = snap.trials.find((x) => x.id === 't-1')!;
    assert.equal(t.status, 'pending');
    assert.equal(t.job?.state, 'failed');
    assert.equal(t.job?.exitCode, 3);
    assert.match(t.job?.output ?? '', new RegExp(`slurm-${failedId}\\.out$`));
    assert.match(t.job?.logsMissing ?? '', /runs\.include \(runs\/\*\*\)/);
    assert.deepEqual(calls, ['squeue', 'scontrol']);
    const lines = recordEndedJobs(snap, 'cli:test');
    assert.equal(lines.length, 1);
    assert.match(lines[0]!, /marked failed: Slurm job \d+ FAILED: failed, exit code 3/);
    const after = await analyze(w.study);
    const ended = after.trials.find((x) => x.id === 't-1')!;
    assert.equal(ended.status, 'failed');
    assert.equal(ended.job?.exitCode, 3);
    assert.deepEqual(recordEndedJobs(await withLiveJobs(after, runner), 'cli:test'), [], 'a failed trial is not in flight any more');
  });

  test('launch submits with the arguments as arguments and records the job; a ledger config outside config.output is refused', async () => {
    const w = workspace();
    mkdirSync(join(w.dir, '.mixopt'), { recursive: true });
    mkdirSync(join(w.dir, 'configs', 'generated'), { recursive: true });
    writeFileSync(join(w.dir, 'configs', 'generated', 't-2.yaml'), 'data: {}\n');
    writeFileSync(w.ledger, line({ event: 'accepted', trial: 't-2', mixture: { web: 0.5, code: 0.3, books: 0.2 }, model: '10M', steps: 1000, config: 'configs/generated/t-2.yaml' })
      + line({ event: 'accepted', trial: 't-3', mixture: { web: 0.2, code: 0.3, books: 0.5 }, model: '10M', steps: 1000, config: 'configs/base.yaml' }));
    const calls: (readonly string[])[] = [];
    const runner: CommandRunner = async (file, args) => {
      calls.push([file, ...args]);
      return file === 'sbatch' ? { code: 0, stdout: '42\n', stderr: '' } : { code: 1, stdout: '', stderr: 'slurm_load_jobs error: Invalid job id specified' };
    };
    const snap = await analyze(w.study);
    const ok = await launchTrial(snap, 't-2', 'cli:test', runner);
    assert.deepEqual(ok, { code: 0, message: 'trial t-2 submitted as slurm job 42' });
    assert.deepEqual(calls[0], ['sbatch', '--parsable', '--hold', '--job-name=mixopt-t-2', 'scripts/train.sh', 'configs/generated/t-2.yaml']);
    const events = readFileSync(w.ledger, 'utf8').trim().split('\n').map((l) => JSON.parse(l) as { event: string; trial: string; job?: { id: string } });
    assert.deepEqual(events.at(-1)?.job, { scheduler: 'slurm', id: '42' });
    const refused = await launchTrial(snap, 't-3', 'cli:test', runner);
    assert.equal(refused.code, 1);
    assert.match(refused.message, /MixOpt only launches configs it wrote/);
    assert.equal(calls.length, 2, 'nothing was run for the refused trial');
  });
});
