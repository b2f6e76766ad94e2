// Job states put into the snapshot, the ledger events they call for, the study's launch: forms (and the schema),
// and the ledger's job history.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { foldTrials, parseLedger } from '../../../src/ledger/ledger';
import { jobStateText } from '../../../src/protocol/jobText';
import type { StudySnapshot, TrialView } from '../../../src/protocol/snapshot';
import { ledgerEventForJob, trialsInFlight, withJobStates } from '../../../src/scheduler/track';
import type { RunRecord } from '../../../src/runs/types';
import type { JobStatus } from '../../../src/scheduler/types';
import { parseStudy } from '../../../src/study/parse';

const trial = (id: string, status: TrialView['status'], job?: TrialView['job']): TrialView => ({ id, status, mixture: { a: 1 }, model: '60M', steps: 10, cost: 1, configPath: `configs/generated/${id}.yaml`, ...(job ? { job } : {}) });
const snapshot = (trials: TrialView[]): StudySnapshot =>
  ({ studyFile: '/w/s.mixopt.yaml', name: 's', domains: ['a'], direction: 'minimize', objectiveLabel: 'loss', target: { model: '1B', steps: 10 }, models: [], trials, budget: { unit: 'u', total: 1, used: 0, byModel: {}, burn: [], targetRunCost: 1, costSource: { kind: 'nominal', label: '', runs: 0, measuredRuns: 0 } }, diagnostics: [], observations: 0, computedAt: '', runsInclude: ['runs/**'] });
const status = (jobId: string, s: Partial<JobStatus> & Pick<JobStatus, 'state' | 'rawState'>): JobStatus => ({ jobId, source: 'scontrol', ...s });

describe('job states in the snapshot', () => {
  const snap = snapshot([
    trial('t-q', 'pending', { scheduler: 'slurm', id: '1', attempts: 1 }),
    trial('t-r', 'running', { scheduler: 'slurm', id: '2', attempts: 1, output: '/w/slurm-2.out' }),
    trial('t-f', 'pending', { scheduler: 'slurm', id: '3', attempts: 2 }),
    trial('t-c', 'pending', { scheduler: 'slurm', id: '4', attempts: 1 }),
    trial('t-done', 'pending', { scheduler: 'slurm', id: '5', attempts: 1 }),
    trial('t-old', 'completed', { scheduler: 'slurm', id: '6', attempts: 1 }),
    trial('t-term', 'pending'),
  ]);
  const states = new Map([
    ['1', status('1', { state: 'queued', rawState: 'PENDING', reason: 'Resources' })],
    ['2', status('2', { state: 'running', rawState: 'RUNNING', elapsedSeconds: 125, stdout: '/elsewhere.out' })],
    ['3', status('3', { state: 'failed', rawState: 'FAILED', exitCode: 3, signal: 0, stdout: '/w/slurm-3.out' })],
    ['4', status('4', { state: 'cancelled', rawState: 'CANCELLED', signal: 15 })],
    ['5', status('5', { state: 'completed', rawState: 'COMPLETED', exitCode: 0 })],
  ]);
  const shown = withJobStates(snap, states);
  const byId = new Map(shown.trials.map((t) => [t.id, t]));

  test('only pending / running trials with a scheduler job are in flight', () => {
    assert.deepEqual(trialsInFlight(snap).map((t) => t.id), ['t-q', 't-r', 't-f', 't-c', 't-done']);
  });

  test('queued with the reason, running with elapsed time, failed with the exit code and output file', () => {
    assert.equal(jobStateText(byId.get('t-q')!.job!), 'queued (Resources)');
    assert.equal(jobStateText(byId.get('t-r')!.job!), 'running 2:05');
    assert.equal(byId.get('t-r')!.job!.output, '/w/slurm-2.out', 'the output recorded at submission wins');
    assert.equal(jobStateText(byId.get('t-f')!.job!), 'failed, exit code 3');
    assert.equal(byId.get('t-f')!.job!.output, '/w/slurm-3.out');
    assert.equal(jobStateText({ scheduler: 'slurm', id: '9', attempts: 1, state: 'out-of-memory' }), 'out of memory');
    assert.equal(jobStateText({ scheduler: 'slurm', id: '9', attempts: 1, state: 'node-failure' }), 'node failure');
    assert.equal(jobStateText({ scheduler: 'slurm', id: '9', attempts: 1, state: 'timeout' }), 'timeout');
  });

  test('a job that ended while its trial has no run is flagged with where MixOpt looked', () => {
    assert.match(byId.get('t-done')!.job!.logsMissing ?? '', /runs\.include \(runs\/\*\*\) under \/w/);
    assert.equal(byId.get('t-r')!.job!.logsMissing, undefined);
    assert.equal(byId.get('t-f')!.job!.logsMissing !== undefined, true);
  });

  test('a job the scheduler no longer knows is unknown; a failed query says why', () => {
    const lost = withJobStates(snap, new Map(), 'squeue not found');
    assert.equal(lost.trials[0]!.job!.state, 'unknown');
    assert.equal(lost.trials[0]!.job!.queryError, 'squeue not found');
    assert.equal(lost.trials[5], snap.trials[5], 'trials not in flight are untouched');
  });

  test('failed -> trial failed with exit code and output; cancelled -> abandoned; queued, running, completed -> nothing', () => {
    assert.deepEqual(ledgerEventForJob(byId.get('t-f')!), { status: 'failed', note: 'Slurm job 3 FAILED: failed, exit code 3; output: /w/slurm-3.out', job: { scheduler: 'slurm', id: '3', output: '/w/slurm-3.out', state: 'failed', exitCode: 3 } });
    assert.equal(ledgerEventForJob(byId.get('t-c')!)?.status, 'abandoned');
    assert.equal(ledgerEventForJob(byId.get('t-q')!), undefined);
    assert.equal(ledgerEventForJob(byId.get('t-r')!), undefined);
    assert.equal(ledgerEventForJob(byId.get('t-done')!), undefined);
    const timedOut = withJobStates(snap, new Map([['1', status('1', { state: 'timeout', rawState: 'TIMEOUT', exitCode: 0, signal: 15 })]])).trials[0]!;
    assert.deepEqual(ledgerEventForJob(timedOut), { status: 'failed', note: 'Slurm job 1 TIMEOUT: timeout', job: { scheduler: 'slurm', id: '1', state: 'timeout', exitCode: 0 } });
  });
});

describe('launch: in the study and the schema', () => {
  const base = `name: s\ndomains: [a, b]\nobjective: {metrics: [loss]}\nfidelities:\n  models: [{name: 1B, params: 1e9}]\n  target: {model: 1B, steps: 10}\n`;
  test('a string is the terminal launcher; {scheduler: slurm, command} is tracked', () => {
    assert.deepEqual(parseStudy(`${base}launch: "bash train.sh \${config}"\n`, 'f').study?.launch, { scheduler: 'terminal', command: 'bash train.sh ${config}' });
    assert.deepEqual(parseStudy(`${base}launch: {scheduler: slurm, command: "sbatch t.sh \${config}"}\n`, 'f').study?.launch, { scheduler: 'slurm', command: 'sbatch t.sh ${config}' });
  });
  test('an unknown scheduler or a missing command is an error on its line, with the choices', () => {
    const r = parseStudy(`${base}launch:\n  scheduler: slrum\n  command: x\n`, 'f');
    const d = r.diagnostics.find((x) => x.key === 'launch.scheduler');
    assert.equal(d?.severity, 'error');
    assert.equal(d?.line, 8);
    assert.match(d?.hint ?? '', /did you mean "slurm"/);
    assert.ok(parseStudy(`${base}launch: {scheduler: slurm}\n`, 'f').diagnostics.some((x) => x.severity === 'error' && /launch\.command/.test(x.message)));
  });
  test('the schema allows both forms with the same keys and choices', () => {
    const schema = JSON.parse(readFileSync('schemas/mixopt.schema.json', 'utf8')) as { properties: { launch: { oneOf: { type: string; properties?: Record<string, { enum?: string[] }> }[] } } };
    const forms = schema.properties.launch.oneOf;
    assert.deepEqual(forms.map((f) => f.type), ['string', 'object']);
    assert.deepEqual(Object.keys(forms[1]!.properties!).sort(), ['command', 'scheduler']);
    assert.deepEqual(forms[1]!.properties!['scheduler']!.enum, ['terminal', 'slurm']);
  });
});

describe('the ledger keeps every job of a trial', () => {
  test('launched events with jobs: a failed trial launched again is pending with both jobs, oldest first', () => {
    const line = (o: object): string => JSON.stringify({ v: 1, time: '2026-01-01T00:00:00Z', actor: 'x', trial: 't', ...o });
    const text = [
      line({ event: 'accepted', mixture: { a: 1 }, model: '1B', steps: 10, config: 'configs/generated/t.yaml' }),
      line({ event: 'launched', job: { scheduler: 'slurm', id: '11', output: '/w/slurm-11.out' } }),
      line({ event: 'failed', note: 'Slurm job 11 FAILED', job: { scheduler: 'slurm', id: '11', state: 'failed', exitCode: 3 } }),
      line({ event: 'launched', job: { scheduler: 'slurm', id: '12' } }),
      line({ event: 'launched', job: { scheduler: 'slurm', id: '' } }),
    ].join('\n') + '\n';
    const parsed = parseLedger(text);
    assert.equal(parsed.diagnostics.length, 0);
    const [t] = foldTrials(parsed.events);
    assert.equal(t?.status, 'pending');
    assert.deepEqual(t?.jobs, [{ scheduler: 'slurm', id: '11', output: '/w/slurm-11.out', state: 'failed', exitCode: 3 }, { scheduler: 'slurm', id: '12' }]);
    const failedOnly = foldTrials(parseLedger(text.split('\n').slice(0, 3).join('\n') + '\n').events)[0];
    assert.equal(failedOnly?.status, 'failed');
    assert.deepEqual(failedOnly?.jobs?.[0], { scheduler: 'slurm', id: '11', output: '/w/slurm-11.out', state: 'failed', exitCode: 3 });
    // a state MixOpt does not know is dropped, the rest of the line kept
    const odd = parseLedger(line({ event: 'launched', job: { scheduler: 'slurm', id: '13', state: 'exploded', exitCode: 1.5 } }) + '\n').events[0];
    assert.deepEqual(odd?.job, { scheduler: 'slurm', id: '13' });
  });
});

describe('a failed job with a partial log', () => {
  test('the trial stays failed (not running) until its run says completed', async () => {
    const { reconcile } = await import('../../../src/ledger/reconcile');
    const trials = foldTrials(parseLedger([
      JSON.stringify({ v: 1, event: 'accepted', trial: 't', time: '2026-01-01T00:00:00Z', actor: 'x', mixture: { a: 0.5, b: 0.5 }, model: '1B', steps: 100 }),
      JSON.stringify({ v: 1, event: 'failed', trial: 't', time: '2026-01-01T00:01:00Z', actor: 'x', note: 'Slurm job 3 FAILED' }),
    ].join('\n') + '\n').events);
    const partial: RunRecord = { id: 't', source: 'runs/t.jsonl', format: 'mixopt-jsonl', trialId: 't', steps: 30, checkpoints: [{ step: 30, metrics: { loss: 3 } }], status: 'running' };
    const rows = (r: RunRecord) => reconcile(trials, [r]).rows;
    assert.equal(rows(partial).find((x) => x.id === 't')?.status, 'failed');
    assert.equal(rows({ ...partial, status: 'completed', steps: 100 }).find((x) => x.id === 't')?.status, 'completed');
  });
});
