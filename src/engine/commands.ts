// The engine's commands that change files: accept (write a trial's config, record it) and mark (record a status).
// Accept runs under the study's lock (.mixopt/accept.lock), so suggest-and-accept of two processes never see the
// same state, and is recoverable at each of its file operations:
//   1. a `suggested` event for the trial (when the ledger does not have one yet),
//   2. the config, written atomically (temp file, fsync, link),
//   3. the `accepted` event.
// A crash after 2 leaves a config that names its trial (`mixopt_trial:`) and a trial still `suggested`: the next
// accept adopts it (appends the accepted event). A crash inside 2 leaves a temp file of a dead process: the next
// accept removes it. A crash inside 3 leaves a torn last line, which the ledger skips: the adoption completes it.
import { mkdirSync, readFileSync } from 'node:fs';
import { dirname, relative, resolve } from 'node:path';
import { renderConfig } from '../configgen/render';
import { isInside, workspaceFolderOf } from '../configgen/paths';
import { ConfigExistsError, configNamesTrial, outputPath, removeStaleTemps, writeFileAtomic } from '../configgen/write';
import { acceptOnce, appendEvent, ledgerPathFor, readLedger } from '../ledger/append';
import { acceptedTrialForKey, foldTrials } from '../ledger/ledger';
import type { LedgerEvent, Trial } from '../ledger/ledger';
import { LockTimeoutError, processAlive, withStudyLock } from '../ledger/lock';
import type { StudySnapshot, SuggestionView } from '../protocol/snapshot';
import { formatDiagnostic } from '../study/diagnostics';
import type { Study } from '../study/types';
import { EngineError } from './api';
import type { AcceptParams, AcceptResult, AnalyzeParams, MarkParams } from './api';
import { StudyInputError } from './errors';
import { readStudy, toView } from './pipeline';
import type { EngineContext } from './pipeline';
import { studySteps } from './dataset';

type Analyze = (params: AnalyzeParams, ctx: EngineContext) => Promise<StudySnapshot>;

interface AcceptContext {
  readonly study: Study & { readonly config: NonNullable<Study['config']> };
  readonly studyFile: string;
  readonly studyDir: string;
  readonly ledgerPath: string;
  readonly workspace: string;
  /** paths outside the workspace are allowed: the study says so and the workspace is trusted */
  readonly outsideAllowed: boolean;
}

/** Refuses a path accept would read or write outside the workspace folder (links followed). */
function confine(ac: AcceptContext, key: 'config.template' | 'config.output', path: string): void {
  if (ac.outsideAllowed || isInside(path, ac.workspace)) return;
  const trustedHint = ac.study.config.allowOutsideWorkspace
    ? 'this workspace is not trusted, so config.allow_outside_workspace is ignored: trust the workspace, or keep the path inside it'
    : `keep ${key} inside ${ac.workspace}, or set config.allow_outside_workspace: true in a trusted workspace`;
  throw new EngineError({
    code: 'outside-workspace',
    message: `${ac.studyFile}: ${key} resolves to ${path}, outside the workspace folder ${ac.workspace}; MixOpt does not ${key === 'config.template' ? 'read' : 'write'} it`,
    path,
    hint: trustedHint,
  });
}

function acceptContext(params: AcceptParams): AcceptContext {
  const studyFile = resolve(params.studyFile);
  const studyDir = dirname(studyFile);
  const { study, diagnostics } = readStudy(studyFile);
  if (!study) throw new StudyInputError(`the study has errors:\n${diagnostics.filter((d) => d.severity === 'error').map((d) => formatDiagnostic(toView(d, studyDir))).join('\n')}`, diagnostics);
  const config = study.config;
  if (!config) {
    throw new StudyInputError(`${studyFile}: the study has no config: section, so MixOpt cannot write a training config (add config.template, config.output and config.mixture_key)`, diagnostics);
  }
  const trusted = params.trusted !== false;
  return {
    study: { ...study, config },
    studyFile,
    studyDir,
    ledgerPath: ledgerPathFor(studyFile),
    workspace: params.workspaceFolder !== undefined ? resolve(params.workspaceFolder) : workspaceFolderOf(studyDir),
    outsideAllowed: trusted && config.allowOutsideWorkspace === true,
  };
}

/** The folders a study's configs go to (one per model and steps when the output pattern names them). */
function outputFolders(ac: AcceptContext): string[] {
  const dirs = new Set<string>();
  for (const m of ac.study.fidelities.models) for (const st of studySteps(ac.study)) dirs.add(dirname(outputPath(ac.study, ac.studyDir, 't-x', m.name, st)));
  return [...dirs];
}

/**
 * Finishes what interrupted accepts left: removes their temp files, and adopts every config that names a trial the
 * ledger has as `suggested` (the config was written, the accepted event was not). Returns the adopted trial ids.
 */
function recover(ac: AcceptContext, actor: string): string[] {
  for (const dir of outputFolders(ac)) if (isInside(dir, ac.workspace) || ac.outsideAllowed) removeStaleTemps(dir, processAlive);
  const adopted: string[] = [];
  const { events } = readLedger(ac.ledgerPath);
  for (const t of foldTrials(events)) {
    if (t.status !== 'suggested') continue;
    const out = outputPath(ac.study, ac.studyDir, t.id, t.model, t.steps);
    if (!(isInside(out, ac.workspace) || ac.outsideAllowed) || !configNamesTrial(out, t.id)) continue;
    const key = t.key ?? t.id;
    if (acceptedTrialForKey(events, key) !== undefined) continue;
    acceptOnce(ac.ledgerPath, acceptedEvent(ac, t, t.id, out, key, actor, 'adopted the config of an interrupted accept'));
    adopted.push(t.id);
  }
  return adopted;
}

function acceptedEvent(
  ac: AcceptContext,
  s: { readonly mixture: Readonly<Record<string, number>>; readonly model: string; readonly steps: number; readonly predicted?: { mean: number; lower: number; upper: number } | undefined },
  trialId: string,
  out: string,
  key: string,
  actor: string,
  note?: string,
): LedgerEvent & { event: 'accepted'; key: string } {
  const p = s.predicted;
  return {
    v: 1,
    event: 'accepted',
    trial: trialId,
    key,
    mixture: s.mixture,
    model: s.model,
    steps: s.steps,
    time: new Date().toISOString(),
    actor,
    config: relative(ac.studyDir, out),
    ...(p && Number.isFinite(p.mean) ? { predicted: { mean: p.mean, lower: p.lower, upper: p.upper } } : {}),
    ...(note !== undefined ? { note } : {}),
  };
}

function sameContent(a: Trial, s: SuggestionView): boolean {
  if (a.model !== s.model || a.steps !== s.steps) return false;
  const keys = new Set([...Object.keys(a.mixture), ...Object.keys(s.mixture)]);
  for (const k of keys) if (Math.abs((Object.hasOwn(a.mixture, k) ? a.mixture[k]! : 0) - (Object.hasOwn(s.mixture, k) ? s.mixture[k]! : 0)) > 1e-6) return false;
  return true;
}

function alreadyAccepted(ac: AcceptContext, trial: Trial, actor: string, what: string): EngineError {
  const by = trial.actor !== actor ? ` by another process (${trial.actor}, ${trial.updated})` : ` (${trial.updated})`;
  return new EngineError({
    code: 'already-accepted',
    message: `${ac.ledgerPath}: ${what}: it was already accepted${by}${trial.config ? `; config ${trial.config}` : ''}`,
    trialId: trial.id,
    ...(trial.config !== undefined ? { path: resolve(ac.studyDir, trial.config) } : {}),
    hint: 'nothing to do for this trial; suggest again for a new one',
  });
}

function resultFor(ac: AcceptContext, trialId: string, extra: Partial<AcceptResult> = {}): AcceptResult {
  const trial = foldTrials(readLedger(ac.ledgerPath).events).find((t) => t.id === trialId);
  return { trialId, configPath: trial?.config ? resolve(ac.studyDir, trial.config) : '', ...extra };
}

export async function accept(params: AcceptParams, ctx: EngineContext, analyze: Analyze): Promise<AcceptResult> {
  const ac = acceptContext(params);
  const templatePath = resolve(ac.studyDir, ac.study.config.template);
  confine(ac, 'config.template', templatePath);
  const mixoptDir = dirname(ac.ledgerPath);
  mkdirSync(mixoptDir, { recursive: true });
  try {
    return await withStudyLock(mixoptDir, params.actor, () => acceptLocked(ac, params, ctx, analyze, templatePath), { timeoutMs: params.lockTimeoutMs ?? 300_000, waiting: (holder) => ctx.progress?.(`Waiting for another MixOpt process (${holder})`, 0) });
  } catch (e) {
    if (e instanceof LockTimeoutError) throw new EngineError({ code: 'lock-timeout', message: e.message, path: e.path, hint: 'wait for the other accept to finish; if no MixOpt process runs any more, delete the lock folder' });
    throw e;
  }
}

async function acceptLocked(ac: AcceptContext, params: AcceptParams, ctx: EngineContext, analyze: Analyze, templatePath: string): Promise<AcceptResult> {
  const adopted = recover(ac, params.actor);
  let s: SuggestionView;
  let snapshot: StudySnapshot | undefined;
  if (params.fresh) {
    // a fresh suggestion (the CLI's accept): an interrupted accept of a dead process is completed instead
    if (adopted.length > 0) return resultFor(ac, adopted[0]!, { recovered: adopted });
    const fresh = params.fresh;
    const ask = (batch: number): Promise<StudySnapshot> => analyze({ studyFile: ac.studyFile, suggest: batch, diagnostics: false, ...(fresh.reoptimise ? { reoptimise: true } : {}) }, ctx);
    snapshot = await ask(fresh.batch);
    let chosen = snapshot.suggestions?.[fresh.index];
    // The search can land on a pending trial's mixture again (seen with 11 runs and 4 pending trials): then take
    // the first suggestion of a longer, diverse batch that no pending trial already holds.
    const pending = foldTrials(readLedger(ac.ledgerPath).events).filter((t) => t.status === 'pending');
    const held = (x: SuggestionView): boolean => pending.some((t) => sameContent(t, x));
    if (chosen && held(chosen)) {
      snapshot = await ask(fresh.batch + 3);
      chosen = snapshot.suggestions?.slice(fresh.index).find((x) => !held(x)) ?? chosen;
    }
    const errors = snapshot.diagnostics.filter((d) => d.severity === 'error');
    if (!chosen || errors.some((d) => d.file === ac.studyFile)) {
      throw new StudyInputError(errors.length ? errors.slice(0, 30).map((d) => formatDiagnostic({ ...d })).join('\n') : `${ac.studyFile}: no suggestion to accept (see mixopt status)`, []);
    }
    s = chosen;
  } else if (params.suggestion) {
    s = params.suggestion;
  } else {
    if (params.trialId !== undefined && adopted.includes(params.trialId)) return resultFor(ac, params.trialId, { recovered: adopted });
    s = recordedSuggestion(ac, params.trialId, params.actor);
  }
  const events = readLedger(ac.ledgerPath).events;
  const trials = foldTrials(events);
  const owner = acceptedTrialForKey(events, s.id);
  if (owner !== undefined) {
    const t = trials.find((x) => x.id === owner);
    if (t && t.actor !== params.actor) throw alreadyAccepted(ac, t, params.actor, `suggestion ${s.id}`);
    return resultFor(ac, owner, adopted.length ? { recovered: adopted } : {});
  }
  // two windows that suggested from the same state hold the same mixture: the second is a duplicate trial
  const twin = trials.find((t) => t.id !== s.id && t.status === 'pending' && sameContent(t, s));
  if (twin) throw alreadyAccepted(ac, twin, params.actor, `an identical trial (${twin.id}, same mixture, model and steps)`);

  let templateText: string;
  try {
    templateText = readFileSync(templatePath, 'utf8');
  } catch (e) {
    throw new StudyInputError(`${ac.studyFile}: config.template ${ac.study.config.template} cannot be read (${e instanceof Error ? e.message : String(e)})`, []);
  }
  const trialId = s.id;
  const rendered = renderConfig(templateText, templatePath, { study: ac.study, mixture: s.mixture, model: s.model, steps: s.steps, trialId });
  if (rendered.text === undefined) throw new StudyInputError(`cannot fill the template:\n${rendered.diagnostics.map(formatDiagnostic).join('\n')}`, rendered.diagnostics);
  const out = outputPath(ac.study, ac.studyDir, trialId, s.model, s.steps);
  confine(ac, 'config.output', out);

  // 1. the suggestion in the ledger first, so a config written next always names a trial the ledger knows
  if (!trials.some((t) => t.id === trialId)) {
    appendEvent(ac.ledgerPath, { v: 1, event: 'suggested', trial: trialId, mixture: s.mixture, model: s.model, steps: s.steps, time: new Date().toISOString(), actor: params.actor, ...predictedOf(s) });
  }
  // 2. the config (an existing one that names this trial is the work of an interrupted accept: adopt it)
  const adopt = params.overwrite !== true && configNamesTrial(out, trialId);
  if (!adopt) writeFileAtomic(out, rendered.text, { overwrite: params.overwrite === true });
  // 3. the acceptance
  const { trial } = acceptOnce(ac.ledgerPath, acceptedEvent(ac, { ...s, predicted: s.predictedAtTarget }, trialId, out, s.id, params.actor));
  return { trialId: trial, configPath: out, ...(snapshot ? { suggestion: s, snapshot } : {}), ...(adopted.length ? { recovered: adopted } : {}) };
}

function predictedOf(s: SuggestionView): { predicted?: { mean: number; lower: number; upper: number } } {
  const p = s.predictedAtTarget;
  return p && Number.isFinite(p.mean) ? { predicted: { mean: p.mean, lower: p.lower, upper: p.upper } } : {};
}

/** A suggestion recorded in the ledger (`suggested` event), to accept it later by its id. */
function recordedSuggestion(ac: AcceptContext, trialId: string | undefined, actor: string): SuggestionView {
  if (trialId === undefined) throw new StudyInputError('accept needs a suggestion or a trial id', []);
  const trials = foldTrials(readLedger(ac.ledgerPath).events);
  const trial = trials.find((t) => t.id === trialId);
  if (!trial) {
    const open = trials.filter((t) => t.status === 'suggested').map((t) => t.id);
    throw new EngineError({ code: 'not-found', message: `${ac.ledgerPath}: no trial ${trialId}${open.length ? ` (suggested trials: ${open.slice(-5).join(', ')})` : ' (record suggestions with mixopt suggest --record)'}`, trialId });
  }
  if (trial.status === 'pending') throw alreadyAccepted(ac, trial, actor, `trial ${trialId} is pending, not an open suggestion`);
  if (trial.status !== 'suggested') throw new StudyInputError(`${ac.ledgerPath}: trial ${trialId} is ${trial.status}, not an open suggestion`, []);
  const predicted = trial.predicted ?? { mean: Number.NaN, lower: Number.NaN, upper: Number.NaN };
  return {
    id: trial.id,
    mixture: trial.mixture,
    model: trial.model,
    steps: trial.steps,
    predicted,
    predictedAtTarget: predicted,
    acquisition: 'recorded',
    acquisitionValue: Number.NaN,
    cost: Number.NaN,
    reason: `suggested by ${trial.actor} at ${trial.created}`,
  };
}

// async (with nothing to await) so that a failure reaches the caller as a rejection, like every engine method's
// eslint-disable-next-line @typescript-eslint/require-await
export async function mark(params: MarkParams): Promise<{ readonly ok: true }> {
  const studyFile = resolve(params.studyFile);
  const ledgerPath = ledgerPathFor(studyFile);
  const ledger = readLedger(ledgerPath);
  const unreadable = ledger.diagnostics.find((d) => d.severity === 'error' && d.line === 0);
  if (unreadable) throw new EngineError({ code: 'read-failed', message: unreadable.message, path: ledgerPath, hint: 'check the permissions of the ledger file' });
  const trials = foldTrials(ledger.events);
  if (!trials.some((t) => t.id === params.trialId)) throw new EngineError({ code: 'not-found', message: `trial ${params.trialId} is not in ${ledgerPath}`, trialId: params.trialId });
  appendEvent(ledgerPath, {
    v: 1,
    event: params.status,
    trial: params.trialId,
    time: new Date().toISOString(),
    actor: params.actor,
    ...(params.note !== undefined ? { note: params.note } : {}),
    ...(params.job ? { job: params.job } : {}),
  });
  return { ok: true };
}

export { ConfigExistsError };
