// The launch command of a study, turned into a program and its arguments without a shell (issue 12 #7): the
// template is split into words once (shell-quote's parser: quotes and backslashes as a shell reads them), then
// ${config}, ${trial}, ${model} and ${steps} are put into the words. A value is never split, re-read or
// expanded, so spaces, quotes, $(…) and backticks in a path stay characters of one argument. Pipes, redirections,
// `;` and `&&` are refused: they need a shell, so they belong in the user's script.
import { dirname, isAbsolute, relative, resolve, sep } from 'node:path';
import { parse } from 'shell-quote';

export const LAUNCH_PLACEHOLDERS = ['config', 'trial', 'model', 'steps'] as const;
export type LaunchVars = Readonly<Record<(typeof LAUNCH_PLACEHOLDERS)[number], string>>;

export type ArgvResult = { readonly argv: string[] } | { readonly error: string };

/** Splits a launch template into words; a word keeps its ${placeholder}s literally. */
export function splitLaunchTemplate(template: string, env: Readonly<Record<string, string | undefined>> = {}): ArgvResult {
  const keep = (key: string): string => ((LAUNCH_PLACEHOLDERS as readonly string[]).includes(key) ? `\${${key}}` : (env[key] ?? ''));
  let entries: ReturnType<typeof parse>;
  try {
    entries = parse(template, keep);
  } catch (e) {
    return { error: `cannot read the launch command: ${e instanceof Error ? e.message : String(e)}` };
  }
  const argv: string[] = [];
  for (const entry of entries) {
    if (typeof entry === 'string') {
      argv.push(entry);
      continue;
    }
    if ('comment' in entry) break;
    const what = 'op' in entry ? (entry.op === 'glob' ? `the pattern ${(entry as { pattern: string }).pattern}` : `"${entry.op}"`) : 'a shell construct';
    return { error: `the launch command contains ${what}, which needs a shell; MixOpt runs one program with its arguments (no shell). Put the pipeline into a script and launch that, e.g. launch: "sbatch scripts/train.sh \${config}"` };
  }
  if (argv.length === 0) return { error: 'the launch command is empty' };
  return { argv };
}

/** The program and arguments of a launch, with the placeholders filled in (values inserted as they are). */
export function buildLaunchArgv(template: string, vars: LaunchVars, env: Readonly<Record<string, string | undefined>> = {}): ArgvResult {
  const split = splitLaunchTemplate(template, env);
  if ('error' in split) return split;
  const fill = (word: string): string => word.replace(/\$\{(config|trial|model|steps)\}/g, (_, k: keyof LaunchVars) => vars[k]);
  return { argv: split.argv.map(fill) };
}

/** A command line for display and for a terminal: every word single-quoted where needed, so no shell expands it. */
export function displayCommandLine(argv: readonly string[]): string {
  return argv.map((a) => (/^[A-Za-z0-9_./@%+=:,-]+$/.test(a) ? a : `'${a.replaceAll("'", `'\\''`)}'`)).join(' ');
}

/**
 * The generated config of a trial, checked before it is passed to a command: it must lie in the folder MixOpt
 * writes configs to (the fixed part of config.output, relative to the study). A `config` value read from a ledger
 * line that points anywhere else is refused. Returns the absolute path, or why not.
 */
export function checkGeneratedConfig(studyFile: string, outputPattern: string, config: string, trialId?: string): { path: string } | { error: string } {
  const studyDir = dirname(studyFile);
  const fixed = outputPattern.split('{')[0] ?? '';
  const folder = resolve(studyDir, fixed.endsWith('/') || fixed === '' ? fixed : dirname(fixed));
  const path = resolve(studyDir, config);
  const rel = relative(folder, path);
  if (config.includes('\0') || rel === '' || rel.startsWith('..') || isAbsolute(rel) || rel.split(sep).includes('..')) {
    return { error: `the trial's config ${JSON.stringify(config)} is not in ${relative(studyDir, folder) || '.'}/, where MixOpt writes configs (config.output: ${outputPattern}); MixOpt only launches configs it wrote. Accept the trial again to write its config.` };
  }
  if (trialId !== undefined && !outputPatternRegExp(resolve(studyDir, outputPattern), trialId).test(path)) {
    return { error: `the trial's config ${JSON.stringify(config)} is not the file config.output (${outputPattern}) gives trial ${trialId}; MixOpt only launches configs it wrote. Accept the trial again to write its config.` };
  }
  return { path };
}

/** config.output as a pattern over absolute paths: {trial} is the trial id, any other {key} one path segment. */
function outputPatternRegExp(absolutePattern: string, trialId: string): RegExp {
  const parts = absolutePattern.split(/(\{[a-z_]+\})/);
  const escape = (t: string): string => t.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  return new RegExp(`^${parts.map((p) => (p === '{trial}' ? escape(trialId) : /^\{[a-z_]+\}$/.test(p) ? '[^/\\\\]+' : escape(p))).join('')}$`);
}
