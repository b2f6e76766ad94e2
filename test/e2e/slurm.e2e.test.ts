// Trials launched on a real single-node Slurm (scripts/slurm-start.sh: Debian's slurm-wlm + munge on a private
// state directory), in a real VS Code: Accept -> Launch -> the job runs test/fixtures/slurm-workspace/scripts/
// train.sh, which writes MixOpt JSONL logs step by step -> the tree shows queued, running, completed and the
// posterior is refitted with the new observations; a job that exits 3 fails its trial with exit code 3; Cancel on a
// long job runs scancel and abandons the trial. The study submits with --hold and the ok job waits for a file, so
// the test releases each step after it has seen the state before (no race with a loaded machine). When Slurm
// cannot be started the test fails; it never skips.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { openVsCode, repoRoot } from '../helpers/codeServer';
import type { VsCodeSession } from '../helpers/codeServer';

const slurmDir = process.env['MIXOPT_SLURM_DIR'] ?? '/tmp/mixopt-slurm';

/** The SLURM_CONF of the running test Slurm, starting it (and returning true for "started here") when needed. */
function ensureSlurm(): { conf: string; startedHere: boolean } {
  const running = (): boolean => {
    const pidFile = join(slurmDir, 'slurmctld.pid');
    if (!existsSync(pidFile)) return false;
    return spawnSync('kill', ['-0', readFileSync(pidFile, 'utf8').trim()]).status === 0;
  };
  let startedHere = false;
  if (!running()) {
    const r = spawnSync('bash', [join(repoRoot, 'scripts', 'slurm-start.sh')], { encoding: 'utf8' });
    if (r.status !== 0) throw new Error(`could not start the test Slurm (scripts/slurm-start.sh exit ${r.status}):\n${r.stdout}\n${r.stderr}`);
    startedHere = true;
  }
  const conf = /SLURM_CONF=(.*)/.exec(readFileSync(join(slurmDir, 'env'), 'utf8'))?.[1]?.trim();
  if (!conf) throw new Error(`${slurmDir}/env names no SLURM_CONF`);
  const info = spawnSync('sinfo', ['-h', '-o', '%t'], { encoding: 'utf8', env: { ...process.env, SLURM_CONF: conf } });
  if (info.status !== 0 || !/idle|mix|alloc/.test(info.stdout)) throw new Error(`the test Slurm does not answer: sinfo exit ${info.status}: ${info.stdout}${info.stderr}`);
  return { conf, startedHere };
}

interface LedgerLine {
  event: string;
  trial: string;
  note?: string;
  job?: { scheduler: string; id: string; output?: string };
}

describe('Slurm: launch and track trials in a real VS Code', { timeout: 20 * 60_000 }, () => {
  let vs: VsCodeSession;
  let slurm: { conf: string; startedHere: boolean };
  const jobIds: string[] = [];
  const started = Date.now();
  const env = (): NodeJS.ProcessEnv => ({ ...process.env, SLURM_CONF: slurm.conf });

  before(async () => {
    slurm = ensureSlurm();
    vs = await openVsCode(join(repoRoot, 'test', 'fixtures', 'slurm-workspace'), {
      env: { SLURM_CONF: slurm.conf },
      settings: { 'mixopt.jobPollSeconds': 1, 'mixopt.refreshDebounceMs': 300 },
    });
  });
  after(async () => {
    console.log(`[e2e] slurm flow took ${((Date.now() - started) / 1000).toFixed(1)} s; jobs ${jobIds.join(', ')}`);
    await vs?.close();
    for (const id of jobIds) spawnSync('scancel', [id], { env: env() });
    if (slurm?.startedHere) spawnSync('bash', [join(repoRoot, 'scripts', 'slurm-stop.sh')], { stdio: 'inherit' });
  });

  const ledger = (): LedgerLine[] => {
    const file = join(vs.workspace, '.mixopt', 'ledger.jsonl');
    return existsSync(file) ? readFileSync(file, 'utf8').trim().split('\n').filter(Boolean).map((l) => JSON.parse(l) as LedgerLine) : [];
  };
  async function until<T>(what: string | (() => string), get: () => T | undefined | Promise<T | undefined>, timeoutMs = 60_000): Promise<T> {
    for (const deadline = Date.now() + timeoutMs; Date.now() < deadline; await vs.page.waitForTimeout(300)) {
      const v = await get();
      if (v !== undefined && v !== false) return v;
    }
    throw new Error(`timed out after ${timeoutMs} ms waiting for ${typeof what === 'string' ? what : what()}`);
  }
  const row = (trial: string) => vs.page.locator('.monaco-list-row[role="treeitem"]', { hasText: trial }).first();
  /** Waits until the trial's row in the trials tree shows `pattern`; returns every distinct text it showed. */
  async function rowShows(trial: string, pattern: RegExp, seen: string[] = [], timeoutMs = 90_000): Promise<string[]> {
    // the message is built when the wait times out, so it lists what the row did show
    await until(() => `the tree row of ${trial} to show ${pattern} (it showed: ${seen.join(' | ')})`, async () => {
      const text = (await row(trial).textContent({ timeout: 1000 }).catch(() => '')) ?? '';
      if (!text) {
        // the trial moved to a group that starts collapsed (Completed, Failed, Abandoned): open it as a user would
        const closed = vs.page.locator('.monaco-list-row[role="treeitem"][aria-expanded="false"]', { hasText: /^(Completed|Failed|Abandoned)/ });
        if ((await closed.count()) > 0) await closed.first().click();
      }
      if (text && seen[seen.length - 1] !== text) seen.push(text);
      return pattern.test(text) || undefined;
    }, timeoutMs);
    return seen;
  }
  async function pickInQuickPick(label: string, timeout = 20_000): Promise<void> {
    const item = vs.page.locator('.quick-input-list .monaco-list-row', { hasText: label }).first();
    await item.waitFor({ state: 'visible', timeout });
    await item.click({ timeout });
  }

  /** Suggest -> Accept in the Next trial panel; the job will do `mode` (modes/<trial>, read by train.sh). */
  async function acceptNext(mode: 'ok' | 'fail' | 'long'): Promise<string> {
    const before = ledger().filter((e) => e.event === 'accepted').length;
    await vs.runCommand('MixOpt: Suggest next mixture');
    const frame = await vs.waitForWebview('#accept-button', 180_000);
    await frame.click('#accept-button');
    const trial = await until('an accepted event', () => ledger().filter((e) => e.event === 'accepted')[before]?.trial);
    mkdirSync(join(vs.workspace, 'modes'), { recursive: true });
    writeFileSync(join(vs.workspace, 'modes', trial), `${mode}\n`);
    return trial;
  }
  /** Launch trial from the palette; the study submits with --hold: `release` lets the job start. */
  async function launchFromPalette(trial: string, release = true): Promise<string> {
    const launched = (): boolean => ledger().some((e) => e.event === 'launched' && e.trial === trial);
    // On a loaded machine a refresh of the tree or a panel can close the quick pick under the click ("element is
    // not visible"): open it again, up to three times, unless the launch went through.
    for (let attempt = 1; ; attempt++) {
      await vs.runCommand('MixOpt: Launch trial');
      try {
        await pickInQuickPick(trial, 15_000);
        break;
      } catch (e) {
        if (launched()) break;
        if (attempt >= 3) throw e;
        await vs.page.keyboard.press('Escape');
      }
    }
    const id = await until(`a launched event with a job for ${trial}`, () => ledger().find((e) => e.event === 'launched' && e.trial === trial && e.job)?.job?.id);
    jobIds.push(id);
    if (release) execFileSync('scontrol', ['release', id], { env: env() });
    return id;
  }
  const observations = async (): Promise<number> => {
    await vs.runCommand('MixOpt: Show posterior');
    const frame = await vs.waitForWebview('#loo-chart', 180_000);
    const text = await until('the posterior caption', async () => /Fitted to (\d+) observations/.exec((await frame.textContent('body')) ?? '')?.[1]);
    return Number(text);
  };

  test('Accept -> Launch: the job is queued, runs, writes its logs; the trial completes and the posterior is refitted', async (t) => {
    try {
      const before = await observations();
      const trial = await acceptNext('ok');
      const job = await launchFromPalette(trial, false);
      const launched = ledger().find((e) => e.event === 'launched' && e.trial === trial)!;
      assert.match(launched.note ?? '', /^sbatch --parsable --hold --job-name=mixopt-t-\S+ scripts\/train\.sh configs\/generated\/t-\S+\.yaml$/);
      assert.equal(launched.job?.output, join(vs.workspace, `slurm-${job}.out`));
      // the Next trial panel lists the trial with its job
      const next = await vs.waitForWebview(`#pending-trials tr[data-trial="${trial}"]`, 30_000);
      // the row can appear from the snapshot before the launch, and gains its job at the next refresh
      let shown = '';
      await until(
        () => `the Next trial panel's row to name slurm ${job} (it showed "${shown}")`,
        async () => {
          shown = (await next.textContent(`#pending-trials tr[data-trial="${trial}"]`)) ?? '';
          return new RegExp(`slurm ${job}`).test(shown) || undefined;
        },
        30_000,
      );
      // held in the queue until the tree has shown it queued; then it runs until the tree has shown it running
      const seen = await rowShows(trial, /queued \(JobHeldUser\)/);
      console.log(`[e2e] screenshot ${await vs.screenshot('slurm-queued')}`);
      execFileSync('scontrol', ['release', job], { env: env() });
      await rowShows(trial, /running \d+:\d\d/, seen);
      console.log(`[e2e] screenshot ${await vs.screenshot('slurm-running')}`);
      writeFileSync(join(vs.workspace, 'modes', `${trial}.go`), '');
      await rowShows(trial, /completed/, seen);
      console.log(`[e2e] tree row of ${trial}: ${seen.join(' -> ')}`);
      const order = ['queued', 'running', 'completed'].map((w) => seen.findIndex((s) => s.includes(w)));
      assert.ok(order[0]! >= 0 && order[0]! < order[1]! && order[1]! < order[2]!, `queued, then running, then completed: ${seen.join(' -> ')}`);
      const log = readFileSync(join(vs.workspace, 'runs', trial, 'log.jsonl'), 'utf8').trim().split('\n');
      assert.equal(log.length, 3, 'three checkpoints logged by the job');
      const after = await until('the posterior to count the new checkpoints', async () => {
        const n = await observations();
        return n > before ? n : undefined;
      }, 120_000);
      console.log(`[e2e] posterior observations ${before} -> ${after}; screenshot ${await vs.screenshot('slurm-posterior')}`);
    } catch (e) {
      t.diagnostic(`screenshot of the failure: ${await vs.screenshot('slurm-ok-failure')}`);
      t.diagnostic(vs.logs());
      throw e;
    }
  });

  test('a job that exits 3 fails its trial with exit code 3 and the job output file', async (t) => {
    try {
      const trial = await acceptNext('fail');
      const job = await launchFromPalette(trial);
      await rowShows(trial, /failed · failed, exit code 3/);
      const failed = await until('a failed event', () => ledger().find((e) => e.event === 'failed' && e.trial === trial));
      assert.equal(failed.note, `Slurm job ${job} FAILED: failed, exit code 3; output: ${join(vs.workspace, `slurm-${job}.out`)}`);
      assert.match(readFileSync(join(vs.workspace, `slurm-${job}.out`), 'utf8'), /diverged/);
      const state = execFileSync('scontrol', ['show', 'job', '-o', job], { env: env(), encoding: 'utf8' });
      assert.match(state, /JobState=FAILED .*ExitCode=3:0/);
      console.log(`[e2e] screenshot ${await vs.screenshot('slurm-failed')}`);
      // Open job output shows the job's output file in an editor
      await vs.runCommand('MixOpt: Open job output');
      await pickInQuickPick(trial);
      await vs.page.locator('.tabs-container .tab', { hasText: `slurm-${job}.out` }).first().waitFor({ state: 'visible', timeout: 30_000 });
      // Resubmit: the same config as a new job; the ledger keeps both jobs and the first failure
      await vs.runCommand('MixOpt: Resubmit failed trial');
      await pickInQuickPick(trial);
      const second = await until('a second launched event', () => ledger().filter((e) => e.event === 'launched' && e.trial === trial)[1]?.job?.id);
      jobIds.push(second);
      assert.notEqual(second, job);
      execFileSync('scontrol', ['release', second], { env: env() });
      const launches = ledger().filter((e) => e.event === 'launched' && e.trial === trial);
      assert.equal(launches[0]!.note?.split(' ').at(-1), launches[1]!.note?.split(' ').at(-1), 'the same config');
      await until('the resubmitted job to fail again', () => ledger().filter((e) => e.event === 'failed' && e.trial === trial)[1], 90_000);
      assert.match(ledger().filter((e) => e.event === 'failed' && e.trial === trial)[1]!.note ?? '', new RegExp(`^Slurm job ${second} FAILED: failed, exit code 3`));
    } catch (e) {
      t.diagnostic(`screenshot of the failure: ${await vs.screenshot('slurm-fail-failure')}`);
      t.diagnostic(vs.logs());
      throw e;
    }
  });

  test('Cancel trial on a long job: scancel after the confirmation, the trial is abandoned', async (t) => {
    try {
      const trial = await acceptNext('long');
      const job = await launchFromPalette(trial);
      await rowShows(trial, /running/);
      await vs.runCommand('MixOpt: Cancel trial (stop its job)');
      await pickInQuickPick(trial);
      const confirm = vs.page.locator('.monaco-dialog-box .monaco-button', { hasText: 'Cancel job' });
      await confirm.waitFor({ state: 'visible', timeout: 20_000 });
      console.log(`[e2e] screenshot ${await vs.screenshot('slurm-cancel-confirm')}`);
      await confirm.click();
      const abandoned = await until('an abandoned event', () => ledger().find((e) => e.event === 'abandoned' && e.trial === trial));
      assert.equal(abandoned.note, `cancelled in MixOpt (job ${job})`);
      await until('Slurm to report the job cancelled', () => /JobState=CANCELLED/.test(execFileSync('scontrol', ['show', 'job', '-o', job], { env: env(), encoding: 'utf8' })) || undefined, 30_000);
      await rowShows(trial, /abandoned · cancelled/);
    } catch (e) {
      t.diagnostic(`screenshot of the failure: ${await vs.screenshot('slurm-cancel-failure')}`);
      t.diagnostic(vs.logs());
      throw e;
    }
  });
});
