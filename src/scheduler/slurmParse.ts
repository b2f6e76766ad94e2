// Pure parsers of Slurm's command output (sbatch, squeue, scontrol show job, sacct). Text in, values out; they
// never throw. The formats are the ones SlurmScheduler asks for; the unit tests read fixtures captured from the
// real commands by scripts/slurm-capture-fixtures.sh.
import type { JobState, JobStatus } from './types';

/** squeue's output format: job id, state (long form), time used, reason. */
export const SQUEUE_FORMAT = '%i|%T|%M|%r';
/** sacct's fields, in the order parseSacct reads them (with --parsable2 --noheader). */
export const SACCT_FIELDS = 'JobID,State,ExitCode,Elapsed';

const STATE_MAP: Readonly<Record<string, JobState>> = {
  PENDING: 'queued',
  CONFIGURING: 'queued',
  REQUEUED: 'queued',
  REQUEUE_HOLD: 'queued',
  REQUEUE_FED: 'queued',
  RESV_DEL_HOLD: 'queued',
  SUSPENDED: 'queued',
  STOPPED: 'queued',
  RUNNING: 'running',
  COMPLETING: 'running',
  STAGE_OUT: 'running',
  SIGNALING: 'running',
  RESIZING: 'running',
  COMPLETED: 'completed',
  FAILED: 'failed',
  BOOT_FAIL: 'failed',
  PREEMPTED: 'failed',
  SPECIAL_EXIT: 'failed',
  CANCELLED: 'cancelled',
  REVOKED: 'cancelled',
  TIMEOUT: 'timeout',
  DEADLINE: 'timeout',
  OUT_OF_MEMORY: 'out-of-memory',
  NODE_FAIL: 'node-failure',
};

/** Slurm's state word ("CANCELLED by 0", "OUT_OF_MEMORY", "PD") to MixOpt's job state. */
export function slurmJobState(raw: string): JobState {
  const word = raw.trim().split(/\s+/)[0]?.replace(/\+$/, '').toUpperCase() ?? '';
  const short: Readonly<Record<string, string>> = { PD: 'PENDING', R: 'RUNNING', CG: 'COMPLETING', CD: 'COMPLETED', F: 'FAILED', CA: 'CANCELLED', TO: 'TIMEOUT', OOM: 'OUT_OF_MEMORY', NF: 'NODE_FAIL', PR: 'PREEMPTED', S: 'SUSPENDED', BF: 'BOOT_FAIL', DL: 'DEADLINE' };
  return STATE_MAP[short[word] ?? word] ?? 'unknown';
}

/** "[days-][hours:]minutes:seconds" (squeue %M, scontrol RunTime, sacct Elapsed) to seconds. */
export function parseSlurmDuration(text: string): number | undefined {
  const m = /^(?:(\d+)-)?(?:(\d+):)?(\d+):(\d+)$/.exec(text.trim());
  if (!m) return undefined;
  const [, d, h, min, s] = m;
  return Number(d ?? 0) * 86400 + Number(h ?? 0) * 3600 + Number(min) * 60 + Number(s);
}

/** "3:0" (exit code : signal) to numbers. */
export function parseExitCode(text: string | undefined): { exitCode?: number; signal?: number } {
  const m = /^(\d+):(\d+)$/.exec(text?.trim() ?? '');
  if (!m) return {};
  return { exitCode: Number(m[1]), signal: Number(m[2]) };
}

/**
 * The job id in sbatch's answer: "12" or "12;cluster" with --parsable, "Submitted batch job 12" without.
 * Returns undefined when neither is there (the caller reports the text it got).
 */
export function parseSbatchOutput(stdout: string): string | undefined {
  for (const line of stdout.split(/\r?\n/).map((l) => l.trim())) {
    const parsable = /^(\d+)(?:;\S+)?$/.exec(line);
    if (parsable) return parsable[1];
    const plain = /^Submitted batch job (\d+)\b/.exec(line);
    if (plain) return plain[1];
  }
  return undefined;
}

/** Lines of `squeue --noheader --format=SQUEUE_FORMAT`. */
export function parseSqueue(stdout: string): JobStatus[] {
  const out: JobStatus[] = [];
  for (const line of stdout.split(/\r?\n/)) {
    const parts = line.trim().split('|');
    if (parts.length < 4) continue;
    const [jobId, raw, time, reason] = parts as [string, string, string, string];
    if (!/^\d+(_\d+)?$/.test(jobId)) continue;
    const elapsed = parseSlurmDuration(time);
    out.push({
      jobId,
      state: slurmJobState(raw),
      rawState: raw,
      ...(elapsed !== undefined ? { elapsedSeconds: elapsed } : {}),
      ...(reason && reason !== 'None' ? { reason } : {}),
      source: 'squeue',
    });
  }
  return out;
}

/**
 * Key=value fields of one `scontrol show job` record (one line with -o, or the multi-line form). A value runs to
 * the next " Key=", so a path with spaces stays whole unless a word in it looks like "Key=".
 */
export function parseScontrolFields(record: string): Map<string, string> {
  const fields = new Map<string, string>();
  const text = record.replace(/\s*\r?\n\s*/g, ' ').trim();
  const keyRe = /(?:^|\s)([A-Za-z][A-Za-z0-9_:/]*)=/g;
  const keys: { key: string; start: number; valueStart: number }[] = [];
  for (let m = keyRe.exec(text); m; m = keyRe.exec(text)) keys.push({ key: m[1]!, start: m.index, valueStart: m.index + m[0].length });
  keys.forEach((k, i) => {
    const end = keys[i + 1]?.start ?? text.length;
    if (!fields.has(k.key)) fields.set(k.key, text.slice(k.valueStart, end).trim());
  });
  return fields;
}

/** `scontrol show job -o [id]`: one job a line (records separated by blank lines in the multi-line form). */
export function parseScontrolShowJob(stdout: string): JobStatus[] {
  const records = stdout.includes('\n   ') ? stdout.split(/\n\s*\n/) : stdout.split(/\r?\n/);
  const out: JobStatus[] = [];
  for (const record of records) {
    if (!/JobId=/.test(record)) continue;
    const f = parseScontrolFields(record);
    const jobId = f.get('JobId');
    const raw = f.get('JobState');
    if (!jobId || !raw) continue;
    const elapsed = parseSlurmDuration(f.get('RunTime') ?? '');
    const reason = f.get('Reason');
    const path = (k: string): string | undefined => {
      const v = f.get(k);
      return v && v !== '(null)' ? v : undefined;
    };
    const stdoutPath = path('StdOut');
    const stderrPath = path('StdErr');
    out.push({
      jobId,
      state: slurmJobState(raw),
      rawState: raw,
      ...parseExitCode(f.get('ExitCode')),
      ...(elapsed !== undefined ? { elapsedSeconds: elapsed } : {}),
      ...(reason && reason !== 'None' ? { reason } : {}),
      ...(stdoutPath ? { stdout: stdoutPath } : {}),
      ...(stderrPath ? { stderr: stderrPath } : {}),
      source: 'scontrol',
    });
  }
  return out;
}

/**
 * `sacct --parsable2 --noheader --format=SACCT_FIELDS` (or `sacct -c` from the job completion log). Step lines
 * (12.batch, 12.extern) are skipped: the job line carries the job's state. sacct does not know the output file;
 * MixOpt takes it from scontrol at submission (kept in the ledger).
 */
export function parseSacct(stdout: string): JobStatus[] {
  const byJob = new Map<string, JobStatus>();
  for (const line of stdout.split(/\r?\n/)) {
    const parts = line.trim().split('|');
    if (parts.length < 3) continue;
    const [jobId, raw, exit, elapsedText] = parts as [string, string, string, string | undefined];
    if (!/^\d+(_\d+)?$/.test(jobId)) continue;
    const elapsed = parseSlurmDuration(elapsedText ?? '');
    byJob.set(jobId, {
      jobId,
      state: slurmJobState(raw),
      rawState: raw,
      ...parseExitCode(exit),
      ...(elapsed !== undefined ? { elapsedSeconds: elapsed } : {}),
      source: 'sacct',
    });
  }
  return [...byJob.values()];
}
