// The launch of one trial, from the snapshot: the study's command with the trial filled in, as a program and its
// arguments, or why it cannot be launched. Shared by the extension and the CLI.
import { existsSync } from 'node:fs';
import { dirname, relative } from 'node:path';
import type { StudySnapshot, TrialView } from '../protocol/snapshot';
import { buildLaunchArgv, checkGeneratedConfig } from './argv';

export function launchArgv(snap: StudySnapshot, trial: TrialView, env: Readonly<Record<string, string | undefined>> = {}): { argv: string[]; config: string } | { error: string } {
  const command = snap.launch?.command;
  if (!command) return { error: 'the study has no launch: command (e.g. launch: {scheduler: slurm, command: "sbatch scripts/train.sh ${config}"}).' };
  if (!trial.configPath) return { error: `trial ${trial.id} has no config yet; accept it first.` };
  const checked = checkGeneratedConfig(snap.studyFile, snap.configOutput ?? 'configs/generated/{trial}.yaml', trial.configPath, trial.id);
  if ('error' in checked) return checked;
  if (!existsSync(checked.path)) return { error: `the config of trial ${trial.id} (${checked.path}) does not exist; accept the trial again to write it.` };
  const config = relative(dirname(snap.studyFile), checked.path);
  const built = buildLaunchArgv(command, { config, trial: trial.id, model: trial.model, steps: String(trial.steps) }, env);
  return 'error' in built ? { error: `launch: ${built.error}` } : { argv: built.argv, config: checked.path };
}
