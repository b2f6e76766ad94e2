// Ledger trials + discovered runs -> one row per trial (and per run the ledger never saw). Pure.
// A pending trial becomes running / completed / failed when its run appears: matched by the trial id written
// into the run's config, else by the run named in the ledger, else by mixture (within 1e-3) + model + steps.
import type { Mixture, TrialStatus } from '../protocol/snapshot';
import type { RunRecord } from '../runs/types';
import type { Diagnostic } from '../study/diagnostics';
import type { Trial } from './ledger';

export type MatchKind = 'trial-id' | 'ledger-run' | 'mixture';

/** A TrialView without the engine's numbers (value, cost), plus the trial and run it came from. */
export interface ReconciledRow {
  readonly id: string;
  readonly status: TrialStatus;
  readonly mixture: Mixture;
  readonly model: string;
  readonly steps: number;
  readonly configPath?: string;
  readonly runSource?: string;
  readonly time?: string;
  readonly trial?: Trial;
  readonly run?: RunRecord;
  readonly matchedBy?: MatchKind;
}

/** A ledger event the caller may append so the ledger records what the runs showed. */
export interface LedgerUpdate {
  readonly trial: string;
  readonly event: 'completed' | 'failed';
  readonly run: string;
}

export interface Reconciliation {
  readonly rows: readonly ReconciledRow[];
  /** the runs, with mixture / model / steps filled from the ledger for runs that carry only a trial id */
  readonly runs: readonly RunRecord[];
  /** trials whose run finished or failed while the ledger still says otherwise */
  readonly updates: readonly LedgerUpdate[];
  /** runs that name a trial the ledger does not know and have no mixture of their own */
  readonly diagnostics: readonly Diagnostic[];
}

export const MIXTURE_TOLERANCE = 1e-3;

/** Largest weight difference over the union of both mixtures' domains. */
export function mixtureDistance(a: Readonly<Record<string, number>>, b: Readonly<Record<string, number>>): number {
  let worst = 0;
  for (const k of new Set([...Object.keys(a), ...Object.keys(b)])) worst = Math.max(worst, Math.abs((a[k] ?? 0) - (b[k] ?? 0)));
  return worst;
}

/** Logged step counts may be 0-based (Lightning logs max_steps - 1 last), so steps within 1 are the same. */
function sameSteps(a: number, b: number): boolean {
  return Math.abs(a - b) <= 1;
}

function stepsMatch(trial: Trial, run: RunRecord): boolean {
  if (run.steps === undefined) return true;
  if (sameSteps(run.steps, trial.steps)) return true;
  return run.status !== 'completed' && run.steps <= trial.steps;
}

function mixtureMatches(trial: Trial, run: RunRecord, tolerance: number): boolean {
  return (
    run.mixture !== undefined &&
    run.model !== undefined &&
    run.model.toLowerCase() === trial.model.toLowerCase() &&
    stepsMatch(trial, run) &&
    mixtureDistance(trial.mixture, run.mixture) <= tolerance
  );
}

/**
 * A trial's status from its run. A run that looks finished but stopped short of the trial's planned steps is
 * still running: some logs (Lightning CSV) carry no end marker, and completing a trial too early is worse.
 */
function statusFromRun(run: RunRecord, trial: Trial): TrialStatus {
  if (run.status === 'failed') return 'failed';
  if (run.status === 'completed' && (run.steps === undefined || run.steps >= trial.steps || sameSteps(run.steps, trial.steps))) return 'completed';
  return 'running';
}

/** Fills a run's missing mixture / model / steps from its ledger trial. */
function completeRun(run: RunRecord, trial: Trial): RunRecord {
  if (run.mixture && run.model !== undefined) return run;
  return {
    ...run,
    mixture: run.mixture ?? { ...trial.mixture },
    model: run.model ?? trial.model,
  };
}

export function reconcile(trials: readonly Trial[], runs: readonly RunRecord[], options: { tolerance?: number } = {}): Reconciliation {
  const tolerance = options.tolerance ?? MIXTURE_TOLERANCE;
  const used = new Set<number>();
  const match = new Map<string, { index: number; by: MatchKind }>();
  const trialById = new Map(trials.map((t) => [t.id, t]));

  // 1. trial id written into the run's config (several runs may name the same trial: prefer a completed one)
  runs.forEach((run, index) => {
    if (run.trialId === undefined || !trialById.has(run.trialId)) return;
    const known = match.get(run.trialId);
    if (known && runs[known.index]?.status === 'completed') return;
    if (known) used.delete(known.index);
    match.set(run.trialId, { index, by: 'trial-id' });
    used.add(index);
  });
  // 2. the run named in the ledger
  for (const t of trials) {
    if (match.has(t.id) || t.run === undefined) continue;
    const index = runs.findIndex((r, i) => !used.has(i) && (r.id === t.run || r.source === t.run));
    if (index >= 0) {
      match.set(t.id, { index, by: 'ledger-run' });
      used.add(index);
    }
  }
  // 3. mixture + model + steps, for trials that were accepted (a bare suggestion was never run)
  for (const t of trials) {
    if (match.has(t.id) || t.status === 'suggested' || t.status === 'abandoned') continue;
    let best = -1;
    runs.forEach((r, i) => {
      if (used.has(i) || r.trialId !== undefined || !mixtureMatches(t, r, tolerance)) return;
      if (best < 0 || (runs[best]?.status !== 'completed' && r.status === 'completed')) best = i;
    });
    if (best >= 0) {
      match.set(t.id, { index: best, by: 'mixture' });
      used.add(best);
    }
  }

  const completedRuns = runs.map((r) => r);
  const rows: ReconciledRow[] = [];
  const updates: LedgerUpdate[] = [];
  for (const t of trials) {
    const m = match.get(t.id);
    const run = m ? runs[m.index] : undefined;
    let status: TrialStatus;
    if (!run) status = t.status;
    else if (t.status === 'abandoned' && m?.by !== 'trial-id') status = 'abandoned';
    // a job that died at step 300 leaves a partial log: the ledger's failed wins until the run says completed
    else if (t.status === 'failed' && run.status !== 'completed') status = 'failed';
    else status = statusFromRun(run, t);
    if (run && m) {
      completedRuns[m.index] = completeRun(run, t);
      if ((status === 'completed' || status === 'failed') && t.status !== status) updates.push({ trial: t.id, event: status, run: run.id });
    }
    rows.push({
      id: t.id,
      status,
      mixture: { ...t.mixture },
      model: t.model,
      steps: t.steps,
      ...(t.config !== undefined ? { configPath: t.config } : {}),
      ...(run ? { runSource: run.source, run: completedRuns[m?.index ?? 0] } : {}),
      time: t.updated,
      trial: t,
      ...(m ? { matchedBy: m.by } : {}),
    });
  }
  const diagnostics: Diagnostic[] = [];
  runs.forEach((run, i) => {
    if (used.has(i)) return;
    if (run.trialId !== undefined && !trialById.has(run.trialId) && run.mixture === undefined) {
      diagnostics.push({
        severity: 'warning',
        file: run.source,
        line: 0,
        message: `run ${run.id} names trial ${run.trialId}, which the ledger does not know, and has no mixture of its own; it is not used`,
        hint: 'was .mixopt/ledger.jsonl deleted? Put the mixture in the run config, or restore the ledger',
      });
    }
    rows.push({
      id: run.id,
      status: 'external',
      mixture: { ...(run.mixture ?? {}) },
      model: run.model ?? '',
      steps: run.steps ?? 0,
      runSource: run.source,
      run,
    });
  });
  return { rows, runs: completedRuns, updates, diagnostics };
}
