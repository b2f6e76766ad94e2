// Parsers of Slurm's output, on fixtures captured from the real Slurm 22.05 by scripts/slurm-capture-fixtures.sh
// (job ids and what each job did are in test/fixtures/slurm/README.txt).
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseExitCode, parseSacct, parseSbatchOutput, parseScontrolFields, parseScontrolShowJob, parseSlurmDuration, parseSqueue, slurmJobState } from '../../../src/scheduler/slurmParse';

const dir = join(__dirname, '..', '..', 'fixtures', 'slurm');
const fixture = (name: string): string => readFileSync(join(dir, name), 'utf8');
const ids = Object.fromEntries([...fixture('README.txt').matchAll(/(\w+)(?:\([a-z]+\))?=(\d+)/g)].map((m) => [m[1], m[2]])) as Record<string, string>;
const workDir = /work dir: (.*)/.exec(fixture('README.txt'))![1]!;

describe('Slurm output parsers (fixtures from the real commands)', () => {
  test('the fixture README names the five jobs', () => {
    for (const k of ['ok', 'exit3', 'long', 'timeout', 'pending']) assert.match(ids[k] ?? '', /^\d+$/, k);
  });

  test('sbatch --parsable and plain sbatch give the job id; an error gives none', () => {
    assert.equal(parseSbatchOutput(fixture('sbatch-parsable.txt')), ids['ok']);
    assert.equal(parseSbatchOutput(fixture('sbatch-plain.txt')), ids['exit3']);
    assert.equal(parseSbatchOutput('123;cluster-a\n'), '123');
    assert.equal(parseSbatchOutput(fixture('sbatch-error.txt')), undefined);
    assert.match(fixture('sbatch-error.stderr.txt'), /invalid partition/);
    assert.equal(parseSbatchOutput('sbatch: warning: something\nSubmitted batch job 77 on cluster x\n'), '77');
    assert.equal(parseSbatchOutput('hello 12\n'), undefined);
  });

  test('squeue while jobs wait and run: states, elapsed time, reasons', () => {
    const rows = new Map(parseSqueue(fixture('squeue-active.txt')).map((s) => [s.jobId, s]));
    assert.equal(rows.size, 5);
    assert.equal(rows.get(ids['ok']!)?.state, 'running');
    assert.equal(rows.get(ids['ok']!)?.elapsedSeconds, 1);
    assert.equal(rows.get(ids['pending']!)?.state, 'queued');
    assert.equal(rows.get(ids['pending']!)?.reason, 'Priority');
    assert.ok(parseSqueue(fixture('squeue-active.txt')).every((s) => s.source === 'squeue'));
  });

  test('squeue --states=all after the jobs ended: completed, failed, cancelled, timeout', () => {
    const rows = new Map(parseSqueue(fixture('squeue-finished.txt')).map((s) => [s.jobId, s]));
    assert.equal(rows.get(ids['ok']!)?.state, 'completed');
    assert.equal(rows.get(ids['exit3']!)?.state, 'failed');
    assert.equal(rows.get(ids['exit3']!)?.reason, 'NonZeroExitCode');
    assert.equal(rows.get(ids['long']!)?.state, 'cancelled');
    assert.equal(rows.get(ids['timeout']!)?.state, 'timeout');
    assert.ok((rows.get(ids['timeout']!)?.elapsedSeconds ?? 0) >= 60, 'the timed-out job ran past its 1-minute limit');
  });

  test('squeue of an id Slurm does not know prints nothing (and exits 1)', () => {
    assert.deepEqual(parseSqueue(fixture('squeue-unknown.txt')), []);
    assert.equal(fixture('squeue-unknown.code').trim(), '1');
    assert.match(fixture('squeue-unknown.stderr.txt'), /Invalid job id/);
  });

  test('scontrol show job -o: a failed job has exit code 3 and its output file (a path with a space)', () => {
    const [failed] = parseScontrolShowJob(fixture('scontrol-failed.txt'));
    assert.equal(failed?.jobId, ids['exit3']);
    assert.equal(failed?.state, 'failed');
    assert.equal(failed?.rawState, 'FAILED');
    assert.equal(failed?.exitCode, 3);
    assert.equal(failed?.signal, 0);
    assert.equal(failed?.stdout, `${workDir}/slurm-${ids['exit3']}.out`);
    assert.equal(failed?.elapsedSeconds, 2);
  });

  test('the multi-line form of scontrol show job reads the same as -o', () => {
    const [one] = parseScontrolShowJob(fixture('scontrol-failed.txt'));
    const [multi] = parseScontrolShowJob(fixture('scontrol-failed-multiline.txt'));
    assert.deepEqual(multi, one);
  });

  test('scontrol: running, pending, completed, cancelled (signal 15) and timeout jobs', () => {
    const one = (name: string) => parseScontrolShowJob(fixture(name))[0]!;
    assert.equal(one('scontrol-running.txt').state, 'running');
    assert.equal(one('scontrol-pending.txt').state, 'queued');
    assert.equal(one('scontrol-pending.txt').reason, 'Priority');
    assert.equal(one('scontrol-completed.txt').state, 'completed');
    assert.equal(one('scontrol-completed.txt').exitCode, 0);
    assert.equal(one('scontrol-cancelled.txt').state, 'cancelled');
    assert.equal(one('scontrol-cancelled.txt').signal, 15);
    assert.equal(one('scontrol-timeout.txt').state, 'timeout');
    assert.equal(one('scontrol-timeout.txt').reason, 'TimeLimit');
    assert.deepEqual(parseScontrolShowJob(fixture('scontrol-unknown.txt')), []);
    assert.match(fixture('scontrol-unknown.stderr.txt'), /Invalid job id/);
  });

  test('sacct: disabled without accounting storage; --completion reads the job completion log', () => {
    assert.match(fixture('sacct-disabled.stderr.txt'), /accounting storage is disabled/);
    const rows = new Map(parseSacct(fixture('sacct-completion.txt')).map((s) => [s.jobId, s]));
    assert.equal(rows.size, 4);
    assert.equal(rows.get(ids['exit3']!)?.exitCode, 3);
    assert.equal(rows.get(ids['exit3']!)?.state, 'failed');
    assert.equal(rows.get(ids['ok']!)?.state, 'completed');
    assert.equal(rows.get(ids['long']!)?.state, 'cancelled');
    assert.equal(rows.get(ids['timeout']!)?.state, 'timeout');
  });

  test('sacct with accounting storage: step lines are skipped, "CANCELLED by 0" is cancelled', () => {
    // the shape of `sacct -P -n -o JobID,State,ExitCode,Elapsed` on a cluster with slurmdbd (sacct(1) man page)
    const rows = parseSacct('41|CANCELLED by 0|0:0|00:10:00\n41.batch|CANCELLED|0:15|00:10:00\n41.extern|COMPLETED|0:0|00:10:00\n42|OUT_OF_MEMORY|0:125|01:00:00\n43|NODE_FAIL|1:0|2-00:00:00\n');
    assert.deepEqual(rows.map((r) => [r.jobId, r.state]), [['41', 'cancelled'], ['42', 'out-of-memory'], ['43', 'node-failure']]);
    assert.equal(rows[2]?.elapsedSeconds, 2 * 86400);
  });

  test('states, durations and exit codes in every form Slurm prints them', () => {
    assert.equal(slurmJobState('PD'), 'queued');
    assert.equal(slurmJobState('OOM'), 'out-of-memory');
    assert.equal(slurmJobState('COMPLETING'), 'running');
    assert.equal(slurmJobState('CANCELLED+'), 'cancelled');
    assert.equal(slurmJobState('SOMETHING_NEW'), 'unknown');
    assert.equal(parseSlurmDuration('1-02:03:04'), 86400 + 7384);
    assert.equal(parseSlurmDuration('4:05'), 245);
    assert.equal(parseSlurmDuration('INVALID'), undefined);
    assert.deepEqual(parseExitCode('3:0'), { exitCode: 3, signal: 0 });
    assert.deepEqual(parseExitCode(undefined), {});
  });

  test('scontrol fields: a value with spaces runs to the next Key=', () => {
    const f = parseScontrolFields('JobId=5 WorkDir=/a b/c d StdOut=/a b/slurm-5.out Power=');
    assert.equal(f.get('WorkDir'), '/a b/c d');
    assert.equal(f.get('StdOut'), '/a b/slurm-5.out');
    assert.equal(f.get('Power'), '');
  });
});
