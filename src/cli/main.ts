// `mixopt`: the command line over the same engine as the extension.
// Exit codes: 0 ok, 1 study or input errors, 2 usage errors, 3 internal errors.
import { parseArgs } from 'node:util';
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { EngineError } from '../engine/api';
import { runEngine } from '../engine/engine';
import { ledgerPathFor, readTrials } from '../ledger/append';
import { chosenByText, costSourceText, fmt } from '../protocol/format';
import type { DiagnosticView, Interval, RecommendationView, StudySnapshot, SuggestionView } from '../protocol/snapshot';
import { formatDiagnostic } from '../study/diagnostics';
import { runBench } from './bench';
import { runInit } from './init';
import { formatUnusedRuns } from './unusedRuns';
import { jobLines, launchTrial, recordEndedJobs, withLiveJobs } from './jobs';

const VERSION = '0.1.0';

export const USAGE = `mixopt ${VERSION} — data-mixture optimisation with multi-fidelity Bayesian optimisation

Usage:
  mixopt init [folder] [--name n] [--metric m] [--models 1M=1e6,...] [--target-steps n] [--yes]
                                                       write a new study from the training configs found
  mixopt status <study.mixopt.yaml> [--json] [--verbose] [--record]
                                                       runs found, unused runs and why, problems, budget, jobs of
                                                       launched trials; --record marks trials whose job failed /
                                                       was cancelled
  mixopt launch <study.mixopt.yaml> --trial <id>       run the study's launch command for an accepted trial
  mixopt suggest <study.mixopt.yaml> [--batch k] [--json] [--record] [--refit]
                                                       the next trial(s) to run; --record appends them to the ledger
  mixopt recommend <study.mixopt.yaml> [--json] [--refit]
                                                       the best predicted mixture for the target model
  mixopt accept <study.mixopt.yaml> [--batch k] [--index i] [--overwrite] [--json] [--refit]
                                                       suggest, write the training config, record the trial
  mixopt accept <study.mixopt.yaml> --trial <id> [--overwrite] [--json]
                                                       accept a suggestion recorded earlier (suggest --record)
  mixopt mark <study.mixopt.yaml> --trial <id> --status failed|abandoned|launched [--note text]
  mixopt bench <make-table|replay|render> [options]    replay benchmark; see \`mixopt bench --help\`
  mixopt --help | --version

The fitted hyperparameters are kept in .mixopt/cache/ beside the study and re-optimised once the observations
change by more than 5% (always below 400 observations); --refit re-optimises them now.

Exit codes: 0 ok, 1 problems in the study or its inputs, 2 usage errors, 3 internal errors.`;

export class UsageError extends Error {}

const STUDY_COMMANDS = ['status', 'suggest', 'recommend', 'accept', 'mark', 'launch'] as const;

interface Io {
  out(text: string): void;
  err(text: string): void;
}

/**
 * Text as a terminal may show it: run ids, metric names and paths come from logs, so escape sequences
 * (`\x1b]0;…\x07`, `\x1b[2J`) and other control characters (C0 but newline and tab, DEL, C1) become `?`.
 */
export function terminalSafe(text: string): string {
  // eslint-disable-next-line no-control-regex -- matching control characters is the point
  return text.replace(/[\u0000-\u0008\u000b-\u001f\u007f-\u009f]/g, '?');
}

const stdio: Io = {
  out: (t) => process.stdout.write(t.endsWith('\n') ? t : `${t}\n`),
  err: (t) => process.stderr.write(t.endsWith('\n') ? t : `${t}\n`),
};

/** Why the recommendation won over the other contender (a searched or a measured mixture), with the probability. */
export function alternativeSentence(a: NonNullable<RecommendationView['alternative']>, model: string): string {
  const pct = (p: number): string => `${(100 * p).toFixed(0)}%`;
  return a.measured
    ? `better than the best measured ${model} mixture (predicted ${fmtInterval(a.predicted)}) with probability ${pct(a.probabilityBetter)} (a searched mixture needs ${pct(a.threshold)})`
    : `a searched mixture is predicted at ${fmtInterval(a.predicted)}, but it beats this measured one with probability ${pct(1 - a.probabilityBetter)} only (it needs ${pct(a.threshold)}), so the measured mixture is kept`;
}

function fmtInterval(i: Interval): string {
  return `${fmt(i.mean)}  (95%: ${fmt(i.lower)} … ${fmt(i.upper)})`;
}

export function formatMixture(mixture: Record<string, number>, width = 40): string[] {
  const rows = Object.entries(mixture).sort((a, b) => b[1] - a[1]);
  const nameWidth = Math.max(...rows.map(([k]) => k.length), 6);
  return rows.map(([k, v]) => `  ${k.padEnd(nameWidth)}  ${v.toFixed(4)}  ${'█'.repeat(Math.round(v * width))}`);
}

function diagnosticLine(d: DiagnosticView): string {
  return formatDiagnostic({ ...d });
}

function printDiagnostics(io: Io, snapshot: StudySnapshot, all: boolean): void {
  const shown = snapshot.diagnostics.filter((d) => all || d.severity === 'error');
  const limit = 30;
  for (const d of shown.slice(0, limit)) io.err(diagnosticLine(d));
  if (shown.length > limit) io.err(`… and ${shown.length - limit} more`);
}

function hasErrors(snapshot: StudySnapshot): boolean {
  return snapshot.diagnostics.some((d) => d.severity === 'error' && d.file === snapshot.studyFile);
}

export function suggestionJson(s: SuggestionView): object {
  return {
    id: s.id,
    mixture: s.mixture,
    model: s.model,
    steps: s.steps,
    ...(s.predicted ? { predicted: s.predicted } : {}),
    ...(s.predictedAtTarget ? { predictedAtTarget: s.predictedAtTarget } : {}),
    ...(s.firstDesign ? { firstDesign: true } : {}),
    ...(s.recommended ? { recommended: true } : {}),
    acquisition: s.acquisition,
    acquisitionValue: s.acquisitionValue,
    cost: s.cost,
    reason: s.reason,
  };
}

function formatSuggestion(s: SuggestionView, snapshot: StudySnapshot, index: number, of: number): string[] {
  const chosen = chosenByText(s, snapshot.target.model);
  return [
    `Suggested trial${of > 1 ? ` ${index + 1} of ${of}` : ''}: ${s.id}`,
    `  model ${s.model}, ${s.steps} steps, cost ${fmt(s.cost)} ${snapshot.budget.unit}`,
    ...(s.predicted
      ? [
          `  predicted at ${s.model}: ${fmtInterval(s.predicted)}`,
          s.predictedAtTarget ? `  predicted at ${snapshot.target.model} (target): ${fmtInterval(s.predictedAtTarget)}` : `  no ${snapshot.target.model} (target) prediction: one model size has runs`,
        ]
      : ['  no prediction: a space-filling first design (no run observed yet)']),
    chosen.scored ? `  acquisition ${s.acquisition}: ${fmt(s.acquisitionValue)} (${chosen.note})` : `  chosen: ${chosen.value.toLowerCase()} (${chosen.note})`,
    `  why: ${s.reason}`,
    '  mixture:',
    ...formatMixture(s.mixture),
  ];
}

/** Runs that stopped before their planned steps count at the steps they reached (engine/dataset.ts runProgress). */
function partialNote(snapshot: StudySnapshot): string {
  const partial = snapshot.trials.filter((t) => t.partial);
  if (partial.length === 0) return '';
  return ` (${partial.length} partial: ${partial.slice(0, 3).map((t) => `${t.id} at ${t.stepsReached ?? '?'} of ${t.steps} steps`).join(', ')}${partial.length > 3 ? ', …' : ''})`;
}

function formatStatus(snapshot: StudySnapshot): string[] {
  const counts = new Map<string, number>();
  for (const t of snapshot.trials) counts.set(t.status, (counts.get(t.status) ?? 0) + 1);
  const byModel = Object.entries(snapshot.budget.byModel).map(([m, c]) => `${m} ${fmt(c)}`).join(', ');
  const errors = snapshot.diagnostics.filter((d) => d.severity === 'error').length;
  const warnings = snapshot.diagnostics.filter((d) => d.severity === 'warning').length;
  return [
    `Study ${snapshot.name} (${snapshot.studyFile})`,
    `  objective: ${snapshot.objectiveLabel} (${snapshot.direction}), target ${snapshot.target.model} at ${snapshot.target.steps} steps`,
    `  trials: ${[...counts].map(([k, v]) => `${v} ${k}`).join(', ') || 'none'}${partialNote(snapshot)}`,
    `  observations for the model: ${snapshot.observations}`,
    `  budget: ${fmt(snapshot.budget.used)} of ${fmt(snapshot.budget.total)} ${snapshot.budget.unit} used${byModel ? ` (${byModel})` : ''}`,
    `  costs: ${costSourceText(snapshot.budget.costSource)}`,
    `  problems: ${errors} error(s), ${warnings} warning(s)`,
  ];
}

async function analyze(study: string, suggestCount: number, record: boolean, fit = true, reoptimise = false): Promise<StudySnapshot> {
  return runEngine({
    method: 'analyze',
    // suggest prints no recommendation (about 0.3 s at the example's 1,028 runs)
    params: { studyFile: study, suggest: suggestCount, diagnostics: false, fit, ...(suggestCount > 0 ? { recommend: false } : {}), ...(reoptimise ? { reoptimise } : {}), ...(record ? { record: { actor: `cli:${process.pid}` } } : {}) },
  });
}

function positiveInt(value: string | undefined, name: string, fallback: number): number {
  if (value === undefined) return fallback;
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1 || n > 64) throw new UsageError(`--${name} must be a whole number from 1 to 64, got "${value}"`);
  return n;
}

/** `status`: the study read without fitting, and the jobs of launched trials asked once. */
async function status(study: string, json: boolean, record: boolean, verbose: boolean, io: Io): Promise<number> {
  let snapshot = await withLiveJobs(await analyze(study, 0, false, false));
  const recorded = record ? recordEndedJobs(snapshot, `cli:${process.pid}`) : [];
  if (recorded.length > 0) snapshot = await withLiveJobs(await analyze(study, 0, false, false));
  if (json) io.out(JSON.stringify({ study: snapshot.studyFile, name: snapshot.name, trials: snapshot.trials, budget: snapshot.budget, diagnostics: snapshot.diagnostics, unusedRuns: snapshot.unusedRuns ?? [], ...(record ? { recorded } : {}) }, null, 2));
  else {
    for (const line of recorded) io.out(line);
    // A study that could not be parsed has no objective, target or budget to summarise.
    const unreadable = snapshot.domains.length === 0 && hasErrors(snapshot);
    io.out(unreadable ? `Study ${snapshot.studyFile} cannot be used until its errors are fixed:` : [...formatStatus(snapshot), ...formatUnusedRuns(snapshot, verbose), ...(jobLines(snapshot).length ? ['  jobs:', ...jobLines(snapshot)] : [])].join('\n'));
    printDiagnostics(io, snapshot, true);
  }
  return hasErrors(snapshot) ? 1 : 0;
}

/** `launch --trial`: the study's launch command for one trial. */
async function launch(study: string, trialId: string, io: Io): Promise<number> {
  const snapshot = await analyze(study, 0, false, false);
  if (hasErrors(snapshot)) {
    printDiagnostics(io, snapshot, false);
    return 1;
  }
  const result = await launchTrial(snapshot, trialId, `cli:${process.pid}`);
  if (result.code === 0) io.out(result.message);
  else io.err(result.message);
  return result.code;
}

/** The options of the study commands (status, suggest, recommend, accept, mark, launch). */
function parseStudyArgs(rest: readonly string[]) {
  return parseArgs({
    args: [...rest],
    allowPositionals: true,
    options: {
      json: { type: 'boolean', default: false },
      batch: { type: 'string' },
      index: { type: 'string' },
      record: { type: 'boolean', default: false },
      overwrite: { type: 'boolean', default: false },
      trial: { type: 'string' },
      status: { type: 'string' },
      note: { type: 'string' },
      refit: { type: 'boolean', default: false },
      verbose: { type: 'boolean', default: false },
    },
  });
}
type StudyArgs = ReturnType<typeof parseStudyArgs>['values'];

/** `suggest`: the next trial(s), as text or --json; --record writes them to the ledger. */
async function suggestCommand(study: string, values: StudyArgs, refit: boolean, io: Io): Promise<number> {
  const batch = positiveInt(values.batch, 'batch', 1);
  const snapshot = await analyze(study, batch, values.record === true, true, refit);
  if (hasErrors(snapshot) || !snapshot.suggestions) {
    printDiagnostics(io, snapshot, false);
    return 1;
  }
  const note = snapshot.suggestionNote;
  if (values.json) io.out(JSON.stringify({ study: snapshot.studyFile, suggestions: snapshot.suggestions.map(suggestionJson), ...(note ? { note } : {}) }, null, 2));
  else {
    if (note) io.out(note + '\n');
    snapshot.suggestions.forEach((s, i, all) => io.out(formatSuggestion(s, snapshot, i, all.length).join('\n') + '\n'));
  }
  return 0;
}

/** `recommend`: the mixture to train at the target. */
async function recommendCommand(study: string, values: StudyArgs, refit: boolean, io: Io): Promise<number> {
  const snapshot = await analyze(study, 0, false, true, refit);
  const r = snapshot.recommendation;
  if (hasErrors(snapshot) || !r) {
    printDiagnostics(io, snapshot, false);
    if (!r && !hasErrors(snapshot)) io.err('no observations yet: run some trials first (mixopt suggest)');
    return 1;
  }
  if (values.json) io.out(JSON.stringify({ study: snapshot.studyFile, mixture: r.mixture, model: r.model, steps: r.steps, predicted: r.predicted, predictedAt: r.predictedAt ?? null, source: r.source, bestObserved: r.bestObserved ?? null, alternative: r.alternative ?? null, extrapolation: r.extrapolation ?? null }, null, 2));
  else {
    io.out(
      [
        `Recommended mixture for ${r.model} (${r.steps} steps), found by ${r.source === 'search' ? 'searching the simplex' : 'an observed run'}:`,
        r.predictedAt
          ? `  predicted ${snapshot.objectiveLabel} at ${r.predictedAt.model} (${r.predictedAt.steps} steps), not at ${r.model}: ${fmtInterval(r.predicted)}`
          : `  predicted ${snapshot.objectiveLabel}: ${fmtInterval(r.predicted)}`,
        ...(r.extrapolation !== undefined ? [`  ${r.extrapolation}`] : []),
        ...(r.bestObserved ? [`  best observed ${r.model} run: ${r.bestObserved.trialId} with ${fmt(r.bestObserved.value)}`] : []),
        ...(r.alternative ? [`  ${alternativeSentence(r.alternative, r.model)}`] : []),
        '  mixture:',
        ...formatMixture(r.mixture),
      ].join('\n'),
    );
  }
  return 0;
}

/** `accept`: a recorded suggestion (--trial), or a fresh one suggested and accepted under the study's lock. */
async function acceptCommand(study: string, values: StudyArgs, refit: boolean, io: Io): Promise<number> {
  if (values.trial !== undefined) {
    // a suggestion recorded earlier (mixopt suggest --record, or the extension): accept it as it was
    const result = await runEngine({ method: 'accept', params: { studyFile: study, trialId: values.trial, overwrite: values.overwrite === true, actor: `cli:${process.pid}` } });
    if (values.json) io.out(JSON.stringify({ trial: result.trialId, config: result.configPath }, null, 2));
    else io.out(`Accepted ${result.trialId}; config written to ${result.configPath}`);
    return 0;
  }
  const batch = positiveInt(values.batch, 'batch', 1);
  const index = positiveInt(values.index, 'index', 1) - 1;
  if (index >= batch) throw new UsageError(`--index ${index + 1} is past the batch of ${batch}`);
  // suggest and accept under the study's lock: a concurrent accept never works from the same state
  const result = await runEngine({
    method: 'accept',
    params: { studyFile: study, fresh: { batch, index, ...(refit ? { reoptimise: true } : {}) }, overwrite: values.overwrite === true, actor: `cli:${process.pid}` },
  }, { progress: (message) => message.startsWith('Waiting') && io.err(`${message}…`) });
  const s = result.suggestion;
  const recovered = result.recovered?.length ? `Completed the interrupted accept of ${result.recovered.join(', ')} (its config was written, its acceptance was not recorded)` : undefined;
  if (values.json) io.out(JSON.stringify({ trial: result.trialId, config: result.configPath, ...(s ? { suggestion: suggestionJson(s) } : {}), ...(result.recovered ? { recovered: result.recovered } : {}) }, null, 2));
  else io.out([...(s && result.snapshot ? formatSuggestion(s, result.snapshot, 0, 1) : []), ...(recovered ? [recovered] : []), `Accepted as ${result.trialId}; config written to ${result.configPath}`].join('\n'));
  return 0;
}

/** `mark --trial <id> --status failed|abandoned|launched`. */
async function markCommand(study: string, values: StudyArgs, io: Io): Promise<number> {
  const status = values.status;
  if (status !== 'failed' && status !== 'abandoned' && status !== 'launched') throw new UsageError('--status must be failed, abandoned or launched');
  if (!values.trial) throw new UsageError('--trial <id> is required');
  const ledgerPath = ledgerPathFor(study);
  const known = readTrials(ledgerPath).trials.map((t) => t.id);
  if (!known.includes(values.trial)) {
    io.err(`${ledgerPath}: trial ${values.trial} is not in the ledger${known.length > 0 ? ` (trials: ${known.slice(-5).join(', ')}${known.length > 5 ? ', …' : ''})` : ' (no trials accepted yet)'}`);
    return 1;
  }
  await runEngine({ method: 'mark', params: { studyFile: study, trialId: values.trial, status, actor: `cli:${process.pid}`, ...(values.note ? { note: values.note } : {}) } });
  io.out(`trial ${values.trial} marked ${status}`);
  return 0;
}

export async function main(argv: readonly string[], io: Io = stdio): Promise<number> {
  const [command, ...rest] = argv;
  if (command === undefined || command === '--help' || command === '-h' || command === 'help') {
    io.out(USAGE);
    return command === undefined ? 2 : 0;
  }
  if (command === '--version' || command === '-v') {
    io.out(VERSION);
    return 0;
  }
  if (command === 'bench') return runBench(rest, io);
  if (command === 'init') return runInit(rest, io);
  if (!(STUDY_COMMANDS as readonly string[]).includes(command)) throw new UsageError(`unknown command "${command}" (run mixopt --help)`);
  const { values, positionals } = parseStudyArgs(rest);
  const refit = values.refit === true;
  const studyArg = positionals[0];
  if (!studyArg) throw new UsageError(`mixopt ${command}: missing the study file (e.g. mixopt ${command} pile.mixopt.yaml)`);
  if (positionals.length > 1) throw new UsageError(`mixopt ${command}: unexpected argument "${positionals[1]}"`);
  const study = resolve(studyArg);
  if (!existsSync(study)) {
    io.err(`${studyArg}: no such file`);
    return 1;
  }
  switch (command) {
    case 'status':
      return status(study, values.json === true, values.record === true, values.verbose === true, io);
    case 'suggest':
      return suggestCommand(study, values, refit, io);
    case 'recommend':
      return recommendCommand(study, values, refit, io);
    case 'accept':
      return acceptCommand(study, values, refit, io);
    case 'mark':
      return markCommand(study, values, io);
    case 'launch':
      if (!values.trial) throw new UsageError('--trial <id> is required');
      return launch(study, values.trial, io);
    default:
      throw new UsageError(`unknown command "${command}" (run mixopt --help)`);
  }
}

export async function runCli(argv: readonly string[], rawIo: Io = stdio): Promise<number> {
  const io: Io = { out: (t) => rawIo.out(terminalSafe(t)), err: (t) => rawIo.err(terminalSafe(t)) };
  try {
    return await main(argv, io);
  } catch (e) {
    if (e instanceof UsageError || (e instanceof Error && 'code' in e && String((e as { code: unknown }).code).startsWith('ERR_PARSE_ARGS'))) {
      io.err(`mixopt: ${e.message}`);
      return 2;
    }
    if (e instanceof EngineError && e.code !== 'internal') {
      // the study, its files or the machine: the user can fix it (exit 1); only `internal` is a bug (exit 3)
      io.err(e.code === 'config-exists' ? `${e.message} (pass --overwrite to replace it)` : `${e.message}${e.value.hint ? `\n  fix: ${e.value.hint}` : ''}`);
      return 1;
    }
    if (e instanceof EngineError) {
      io.err(`mixopt: internal error: ${e.value.detail ?? e.message}`);
      return 3;
    }
    io.err(`mixopt: internal error: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}`);
    return 3;
  }
}

if (require.main === module) {
  void runCli(process.argv.slice(2)).then((code) => {
    process.exitCode = code;
  });
}
