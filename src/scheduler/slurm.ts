// Slurm behind the Scheduler interface: sbatch to submit (with --parsable when the command is sbatch itself),
// squeue for queued and running jobs, scontrol show job for jobs that ended recently (exit code, output file),
// sacct for older ones (accounting storage, or the job completion log with sacct -c). Commands run through an
// injected CommandRunner, arguments as arguments.
import { basename } from 'node:path';
import { parseSacct, parseSbatchOutput, parseScontrolShowJob, parseSqueue, SACCT_FIELDS, SQUEUE_FORMAT } from './slurmParse';
import type { CommandResult, CommandRunner, JobStatus, Scheduler, SubmitRequest, SubmitResult } from './types';
import { FINISHED_JOB_STATES, SchedulerError } from './types';
import { displayCommandLine } from './argv';

const firstLines = (text: string, n = 3): string => text.trim().split(/\r?\n/).slice(0, n).join(' / ');

function failure(what: string, r: CommandResult): SchedulerError {
  if (r.spawnError) return new SchedulerError(`${what}: ${r.spawnError} (is Slurm installed and on the PATH of the editor / CLI?)`);
  return new SchedulerError(`${what} exited with code ${r.code}${r.stderr.trim() ? `: ${firstLines(r.stderr)}` : ''}`);
}

export class SlurmScheduler implements Scheduler {
  readonly kind = 'slurm';

  constructor(private readonly run: CommandRunner) {}

  /** sbatch gets --parsable inserted right after it when the command is `sbatch …` without it. */
  static withParsable(argv: readonly string[]): string[] {
    const [program, ...rest] = argv;
    if (program === undefined) return [];
    if (basename(program) !== 'sbatch' || rest.includes('--parsable')) return [...argv];
    return [program, '--parsable', ...rest];
  }

  async submit(request: SubmitRequest): Promise<SubmitResult> {
    const argv = SlurmScheduler.withParsable(request.argv);
    const [program, ...args] = argv;
    if (program === undefined) throw new SchedulerError('the launch command is empty');
    const r = await this.run(program, args, { cwd: request.cwd, env: request.env });
    const commandLine = displayCommandLine(argv);
    if (r.code !== 0 || r.spawnError) throw failure(commandLine, r);
    const jobId = parseSbatchOutput(r.stdout);
    if (!jobId) throw new SchedulerError(`${commandLine} did not print a job id (expected "Submitted batch job N" or the --parsable "N"); it printed: ${firstLines(r.stdout) || '(nothing)'}`);
    // where the job writes its output; best effort (the job may already be gone from the controller)
    const shown = await this.run('scontrol', ['show', 'job', '-o', jobId], { cwd: request.cwd });
    const stdout = shown.code === 0 ? parseScontrolShowJob(shown.stdout).find((s) => s.jobId === jobId)?.stdout : undefined;
    return { jobId, commandLine, ...(stdout ? { stdout } : {}) };
  }

  async query(jobIds: readonly string[]): Promise<Map<string, JobStatus>> {
    const found = new Map<string, JobStatus>();
    if (jobIds.length === 0) return found;
    const q = await this.run('squeue', ['--noheader', '--states=all', `--jobs=${jobIds.join(',')}`, `--format=${SQUEUE_FORMAT}`], {});
    if (q.spawnError) throw failure('squeue', q);
    // squeue exits 1 with "Invalid job id specified" when it knows none of them: not an error here
    if (q.code === 0) for (const s of parseSqueue(q.stdout)) if (jobIds.includes(s.jobId)) found.set(s.jobId, s);
    for (const id of jobIds) {
      const known = found.get(id);
      if (known && !FINISHED_JOB_STATES.includes(known.state)) continue;
      const c = await this.run('scontrol', ['show', 'job', '-o', id], {});
      const fromScontrol = c.code === 0 ? parseScontrolShowJob(c.stdout).find((s) => s.jobId === id) : undefined;
      if (fromScontrol) {
        found.set(id, fromScontrol);
        continue;
      }
      const fromSacct = await this.sacct(id);
      if (fromSacct) found.set(id, fromSacct);
    }
    return found;
  }

  private async sacct(id: string): Promise<JobStatus | undefined> {
    const args = ['--parsable2', '--noheader', `--jobs=${id}`, `--format=${SACCT_FIELDS}`];
    let r = await this.run('sacct', args, {});
    // without accounting storage, the job completion log (JobCompType=jobcomp/filetxt) still answers
    if (r.code !== 0 || /accounting storage is disabled/i.test(r.stderr + r.stdout)) r = await this.run('sacct', ['--completion', ...args], {});
    if (r.code !== 0) return undefined;
    return parseSacct(r.stdout).find((s) => s.jobId === id);
  }

  async cancel(jobId: string): Promise<void> {
    if (!/^\d+(_\d+)?$/.test(jobId)) throw new SchedulerError(`"${jobId}" is not a Slurm job id`);
    const r = await this.run('scancel', [jobId], {});
    if (r.code !== 0 || r.spawnError) throw failure(`scancel ${jobId}`, r);
  }
}
