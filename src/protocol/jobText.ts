// A job's state in words, shown the same way by the trials tree, the Next trial panel and the CLI. Pure (the
// webviews import it too).
import type { JobView } from './snapshot';

/** "1:02:03" / "4:05" for elapsed seconds, as squeue prints them. */
export function formatElapsed(seconds: number): string {
  const s = Math.max(0, Math.floor(seconds));
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  const sec = String(s % 60).padStart(2, '0');
  return h > 0 ? `${h}:${String(m).padStart(2, '0')}:${sec}` : `${m}:${sec}`;
}

/** The job's state in a few words: "queued (Resources)", "running 4:05", "failed, exit code 3". */
export function jobStateText(job: JobView): string {
  switch (job.state) {
    case undefined:
      return `job ${job.id}`;
    case 'queued':
      return `queued${job.reason ? ` (${job.reason})` : ''}`;
    case 'running':
      return `running${job.elapsedSeconds !== undefined ? ` ${formatElapsed(job.elapsedSeconds)}` : ''}`;
    case 'completed':
      return job.logsMissing ? 'job completed, no logs found' : 'job completed';
    case 'failed':
      return `failed, exit code ${job.exitCode ?? '?'}${job.signal ? ` (signal ${job.signal})` : ''}`;
    case 'cancelled':
      return 'cancelled';
    case 'timeout':
      return 'timeout';
    case 'out-of-memory':
      return 'out of memory';
    case 'node-failure':
      return 'node failure';
    case 'unknown':
      return job.queryError ? 'job state unknown (scheduler not reachable)' : 'job state unknown';
  }
}
