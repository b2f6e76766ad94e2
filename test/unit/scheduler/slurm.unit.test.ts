// SlurmScheduler over a fake runner that answers with the captured outputs of the real commands: which commands it
// runs (arguments as arguments), how it falls back from squeue to scontrol to sacct, and what it reports.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { SlurmScheduler } from '../../../src/scheduler/slurm';
import type { CommandResult, CommandRunner } from '../../../src/scheduler/types';
import { SchedulerError } from '../../../src/scheduler/types';

const dir = join(__dirname, '..', '..', 'fixtures', 'slurm');
const captured = (name: string): CommandResult => {
  const read = (f: string): string => (existsSync(join(dir, f)) ? readFileSync(join(dir, f), 'utf8') : '');
  return { code: Number(read(`${name}.code`).trim() || 0), stdout: read(`${name}.txt`), stderr: read(`${name}.stderr.txt`) };
};
const ids = Object.fromEntries([...readFileSync(join(dir, 'README.txt'), 'utf8').matchAll(/(\w+)(?:\([a-z]+\))?=(\d+)/g)].map((m) => [m[1], m[2]])) as Record<string, string>;

function fake(answer: (file: string, args: readonly string[]) => CommandResult): { runner: CommandRunner; calls: string[][] } {
  const calls: string[][] = [];
  return { calls, runner: async (file, args) => (calls.push([file, ...args]), answer(file, args)) };
}

describe('SlurmScheduler', () => {
  test('submit adds --parsable to sbatch, passes the arguments untouched, reads the id and the output file', async () => {
    const { runner, calls } = fake((file) => (file === 'sbatch' ? { code: 0, stdout: `${ids['exit3']}\n`, stderr: '' } : captured('scontrol-failed')));
    const r = await new SlurmScheduler(runner).submit({ argv: ['sbatch', 'scripts/train.sh', 'configs/generated/a b$(x).yaml'], cwd: '/s', env: { MIXOPT_TRIAL: 't' } });
    assert.deepEqual(calls[0], ['sbatch', '--parsable', 'scripts/train.sh', 'configs/generated/a b$(x).yaml']);
    assert.deepEqual(calls[1], ['scontrol', 'show', 'job', '-o', ids['exit3']]);
    assert.equal(r.jobId, ids['exit3']);
    assert.match(r.stdout ?? '', /slurm-\d+\.out$/);
    assert.equal(r.commandLine, `sbatch --parsable scripts/train.sh 'configs/generated/a b$(x).yaml'`);
  });

  test('a wrapper script that prints "Submitted batch job N" works without --parsable', async () => {
    const { runner, calls } = fake((file) => (file === 'scontrol' ? captured('scontrol-unknown') : captured('sbatch-plain')));
    const r = await new SlurmScheduler(runner).submit({ argv: ['bash', 'submit.sh', 'c.yaml'], cwd: '/s', env: {} });
    assert.deepEqual(calls[0], ['bash', 'submit.sh', 'c.yaml']);
    assert.equal(r.jobId, ids['exit3']);
    assert.equal(r.stdout, undefined);
  });

  test('a refused submission says what sbatch said; a missing sbatch says to install Slurm', async () => {
    const refused = fake(() => captured('sbatch-error'));
    await assert.rejects(new SlurmScheduler(refused.runner).submit({ argv: ['sbatch', 'a.sh'], cwd: '/s', env: {} }), (e: unknown) => e instanceof SchedulerError && /exited with code 1: sbatch: error: invalid partition/.test(e.message));
    const missing = fake(() => ({ code: 127, stdout: '', stderr: '', spawnError: 'sbatch not found' }));
    await assert.rejects(new SlurmScheduler(missing.runner).submit({ argv: ['sbatch', 'a.sh'], cwd: '/s', env: {} }), /sbatch not found \(is Slurm installed/);
    const silent = fake(() => ({ code: 0, stdout: 'ok\n', stderr: '' }));
    await assert.rejects(new SlurmScheduler(silent.runner).submit({ argv: ['bash', 'a.sh'], cwd: '/s', env: {} }), /did not print a job id/);
  });

  test('query: squeue for jobs in the queue, scontrol for the ones that ended (exit code), sacct --completion when scontrol forgot', async () => {
    const all = [ids['ok']!, ids['exit3']!, ids['long']!];
    const { runner, calls } = fake((file, args) => {
      if (file === 'squeue') return { code: 0, stdout: captured('squeue-active').stdout.split('\n').filter((l) => l.startsWith(`${ids['ok']}|`)).join('\n'), stderr: '' };
      if (file === 'scontrol') return args.includes(ids['exit3']!) ? captured('scontrol-failed') : captured('scontrol-unknown');
      if (file === 'sacct') return args.includes('--completion') ? captured('sacct-completion') : captured('sacct-disabled');
      throw new Error(file);
    });
    const got = await new SlurmScheduler(runner).query(all);
    assert.equal(got.get(ids['ok']!)?.state, 'running');
    assert.equal(got.get(ids['ok']!)?.source, 'squeue');
    assert.equal(got.get(ids['exit3']!)?.exitCode, 3);
    assert.equal(got.get(ids['exit3']!)?.source, 'scontrol');
    assert.equal(got.get(ids['long']!)?.state, 'cancelled');
    assert.equal(got.get(ids['long']!)?.source, 'sacct');
    assert.deepEqual(calls[0], ['squeue', '--noheader', '--states=all', `--jobs=${all.join(',')}`, '--format=%i|%T|%M|%r']);
    assert.ok(!calls.some((c) => c[0] === 'scontrol' && c.includes(ids['ok']!)), 'a running job needs no scontrol');
  });

  test('query of jobs nobody knows any more gives an empty map, not an error; no squeue on the PATH is an error', async () => {
    const { runner } = fake((file) => (file === 'squeue' ? captured('squeue-unknown') : file === 'scontrol' ? captured('scontrol-unknown') : { code: 0, stdout: '', stderr: '' }));
    assert.equal((await new SlurmScheduler(runner).query(['999999'])).size, 0);
    const missing = fake(() => ({ code: 127, stdout: '', stderr: '', spawnError: 'squeue not found' }));
    await assert.rejects(new SlurmScheduler(missing.runner).query(['1']), /squeue not found/);
  });

  test('cancel runs scancel with the id; a non-numeric id is refused before anything runs', async () => {
    const { runner, calls } = fake(() => captured('scancel'));
    await new SlurmScheduler(runner).cancel('42');
    assert.deepEqual(calls, [['scancel', '42']]);
    await assert.rejects(new SlurmScheduler(runner).cancel('42; rm -rf /'), /not a Slurm job id/);
    assert.equal(calls.length, 1);
  });
});
