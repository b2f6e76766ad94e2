// The trials ledger (`.mixopt/ledger.jsonl` next to the study): append-only events, one JSON object a line.
// Pure part: parse the text, fold the events into trials. Writing is in append.ts.
import { dict } from '../core/names';
import type { JobState } from '../protocol/snapshot';
import type { Diagnostic } from '../study/diagnostics';

export type LedgerEventKind = 'suggested' | 'accepted' | 'launched' | 'completed' | 'failed' | 'abandoned';

export const LEDGER_EVENT_KINDS: readonly LedgerEventKind[] = ['suggested', 'accepted', 'launched', 'completed', 'failed', 'abandoned'];

export interface PredictedValue {
  readonly mean: number;
  readonly lower: number;
  readonly upper: number;
}

export interface LedgerEvent {
  readonly v: 1;
  readonly event: LedgerEventKind;
  readonly trial: string;
  /** domain -> weight; required on suggested / accepted, optional on later events */
  readonly mixture?: Readonly<Record<string, number>>;
  readonly model?: string;
  readonly steps?: number;
  /** ISO 8601 time of the event */
  readonly time: string;
  /** who wrote it: a window or process id, or "cli" */
  readonly actor: string;
  /** generated config path (workspace-relative) */
  readonly config?: string;
  /** run id or folder once known */
  readonly run?: string;
  readonly note?: string;
  readonly predicted?: PredictedValue;
  /**
   * Idempotency key of an acceptance (the suggestion's id). When two windows accept the same suggestion, the
   * first `accepted` line with the key wins; later trials with the same key are duplicates and dropped by the fold.
   */
  readonly key?: string;
  /** the scheduler's job, on launched events of a tracked launch (and on failed/abandoned events it caused) */
  readonly job?: JobRef;
}

/** A job a scheduler runs for a trial: which scheduler, its id there, its output file when known. */
export interface JobRef {
  readonly scheduler: string;
  readonly id: string;
  readonly output?: string;
  /** how the job ended, on the failed / abandoned event it caused */
  readonly state?: JobState;
  readonly exitCode?: number;
}

const JOB_STATES: readonly JobState[] = ['queued', 'running', 'completed', 'failed', 'cancelled', 'timeout', 'out-of-memory', 'node-failure', 'unknown'];

export type TrialState = 'suggested' | 'pending' | 'completed' | 'failed' | 'abandoned';

export interface Trial {
  readonly id: string;
  readonly status: TrialState;
  /** a launched event was seen (the training command was started) */
  readonly launched: boolean;
  readonly mixture: Readonly<Record<string, number>>;
  readonly model: string;
  readonly steps: number;
  readonly config?: string;
  readonly run?: string;
  readonly predicted?: PredictedValue;
  readonly key?: string;
  /** time of the first and of the latest event */
  readonly created: string;
  readonly updated: string;
  readonly actor: string;
  readonly note?: string;
  /** jobs launched for the trial, oldest first (a resubmission adds one); the last is the current one */
  readonly jobs?: readonly JobRef[];
}

export interface ParsedLedger {
  readonly events: readonly LedgerEvent[];
  readonly diagnostics: readonly Diagnostic[];
}

function isRecord(x: unknown): x is Record<string, unknown> {
  return typeof x === 'object' && x !== null && !Array.isArray(x);
}

/** A short, safe description of a value from a line (never JSON.stringify: a value nested 5,000 deep overflows it). */
function preview(x: unknown, max = 30): string {
  if (typeof x === 'string') return JSON.stringify(x.length > max ? `${x.slice(0, max)}…` : x);
  if (typeof x === 'number' || typeof x === 'boolean' || x === null) return String(x);
  if (x === undefined) return 'undefined';
  return Array.isArray(x) ? 'a list' : 'an object';
}

/** Validates one parsed line; returns the event or the reason it is not one. */
export function toLedgerEvent(x: unknown): LedgerEvent | string {
  if (!isRecord(x)) return 'not a JSON object';
  if (x['v'] !== 1) return `unknown ledger version ${preview(x['v'], 20)}`;
  const kind = x['event'];
  if (typeof kind !== 'string' || !(LEDGER_EVENT_KINDS as readonly string[]).includes(kind)) return `unknown event ${preview(kind)}`;
  const trial = x['trial'];
  if (typeof trial !== 'string' || trial === '') return 'missing trial id';
  const time = x['time'];
  if (typeof time !== 'string' || Number.isNaN(Date.parse(time))) return 'missing or invalid time';
  const actor = typeof x['actor'] === 'string' ? x['actor'] : '';
  let mixture: Record<string, number> | undefined;
  if (x['mixture'] !== undefined) {
    if (!isRecord(x['mixture'])) return 'mixture must be an object';
    mixture = dict<number>();
    for (const [k, v] of Object.entries(x['mixture'])) {
      if (typeof v !== 'number' || !Number.isFinite(v) || v < 0) return `mixture weight of ${preview(k, 40)} is not a finite number >= 0`;
      mixture[k] = v;
    }
  }
  if ((kind === 'suggested' || kind === 'accepted') && (mixture === undefined || typeof x['model'] !== 'string' || typeof x['steps'] !== 'number')) {
    return `${kind} event needs mixture, model and steps`;
  }
  if (x['steps'] !== undefined && (typeof x['steps'] !== 'number' || !Number.isFinite(x['steps']) || x['steps'] <= 0)) return 'steps must be a number > 0';
  let predicted: PredictedValue | undefined;
  const p = x['predicted'];
  if (isRecord(p) && typeof p['mean'] === 'number' && typeof p['lower'] === 'number' && typeof p['upper'] === 'number') {
    predicted = { mean: p['mean'], lower: p['lower'], upper: p['upper'] };
  }
  const str = (k: string): string | undefined => (typeof x[k] === 'string' ? (x[k]) : undefined);
  const j = x['job'];
  const job: JobRef | undefined = isRecord(j) && typeof j['scheduler'] === 'string' && typeof j['id'] === 'string' && j['id'] !== ''
    ? {
        scheduler: j['scheduler'],
        id: j['id'],
        ...(typeof j['output'] === 'string' ? { output: j['output'] } : {}),
        ...((JOB_STATES as readonly unknown[]).includes(j['state']) ? { state: j['state'] as JobState } : {}),
        ...(typeof j['exitCode'] === 'number' && Number.isInteger(j['exitCode']) ? { exitCode: j['exitCode'] } : {}),
      }
    : undefined;
  const event: LedgerEvent = {
    v: 1,
    event: kind as LedgerEventKind,
    trial,
    time,
    actor,
    ...(mixture ? { mixture } : {}),
    ...(typeof x['model'] === 'string' ? { model: x['model'] } : {}),
    ...(typeof x['steps'] === 'number' ? { steps: x['steps'] } : {}),
    ...(str('config') !== undefined ? { config: str('config') } : {}),
    ...(str('run') !== undefined ? { run: str('run') } : {}),
    ...(str('note') !== undefined ? { note: str('note') } : {}),
    ...(str('key') !== undefined ? { key: str('key') } : {}),
    ...(predicted ? { predicted } : {}),
    ...(job ? { job } : {}),
  };
  return event;
}

/**
 * Reads ledger text. A torn last line (a crash mid-write, no trailing newline) is skipped with an info; a
 * corrupt line elsewhere is skipped with a warning; nothing else is lost. Never throws.
 */
export function parseLedger(text: string, file = '.mixopt/ledger.jsonl'): ParsedLedger {
  const events: LedgerEvent[] = [];
  const diagnostics: Diagnostic[] = [];
  const body = text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
  const lines = body.split('\n');
  const terminated = body.endsWith('\n') || body.length === 0;
  if (terminated) lines.pop();
  lines.forEach((raw, i) => {
    const line = raw.endsWith('\r') ? raw.slice(0, -1) : raw;
    if (line.trim() === '') return;
    const isLast = i === lines.length - 1;
    let parsed: unknown;
    try {
      parsed = JSON.parse(line) as unknown;
    } catch {
      if (isLast && !terminated) {
        diagnostics.push({ severity: 'info', file, line: i + 1, message: 'the last line is incomplete (a write was interrupted); it is ignored' });
      } else {
        diagnostics.push({ severity: 'warning', file, line: i + 1, message: 'corrupt ledger line (not JSON); skipped', hint: 'the other lines are read; fix or delete this line' });
      }
      return;
    }
    let event: LedgerEvent | string;
    try {
      event = toLedgerEvent(parsed);
    } catch (e) {
      // whatever a line holds costs at most that line
      event = `unreadable (${e instanceof Error ? e.message : String(e)})`;
    }
    if (typeof event === 'string') {
      diagnostics.push({ severity: 'warning', file, line: i + 1, message: `ledger line skipped: ${event}` });
      return;
    }
    events.push(event);
  });
  return { events, diagnostics };
}

interface MutableTrial {
  id: string;
  status: TrialState;
  launched: boolean;
  mixture: Readonly<Record<string, number>>;
  model: string;
  steps: number;
  config?: string;
  run?: string;
  predicted?: PredictedValue;
  key?: string;
  created: string;
  updated: string;
  actor: string;
  note?: string;
  jobs?: JobRef[];
}

/**
 * Folds events (in file order) into trials. State machine:
 * suggested creates a trial (status suggested); accepted creates it or promotes a suggestion to pending;
 * launched marks a pending or failed trial as launched (pending again); completed / failed / abandoned: the latest
 * wins. Replaying any event twice changes nothing (creation events apply once, status events are idempotent).
 * An accepted trial whose `key` was already accepted by an earlier trial is a duplicate and left out.
 * Events for a trial never suggested or accepted are ignored (they carry no mixture to act on).
 */
export function foldTrials(events: readonly LedgerEvent[]): Trial[] {
  const trials = new Map<string, MutableTrial>();
  const acceptedKeys = new Map<string, string>();
  const duplicates = new Set<string>();
  for (const e of events) {
    if (duplicates.has(e.trial)) continue;
    let t = trials.get(e.trial);
    if (e.event === 'suggested' || e.event === 'accepted') {
      if (e.event === 'accepted' && e.key !== undefined) {
        const owner = acceptedKeys.get(e.key);
        if (owner !== undefined && owner !== e.trial) {
          duplicates.add(e.trial);
          trials.delete(e.trial);
          continue;
        }
        acceptedKeys.set(e.key, e.trial);
      }
      if (!t) {
        if (!e.mixture || e.model === undefined || e.steps === undefined) continue;
        t = {
          id: e.trial,
          status: e.event === 'accepted' ? 'pending' : 'suggested',
          launched: false,
          mixture: e.mixture,
          model: e.model,
          steps: e.steps,
          created: e.time,
          updated: e.time,
          actor: e.actor,
        };
        trials.set(e.trial, t);
      } else if (e.event === 'accepted' && t.status === 'suggested') {
        t.status = 'pending';
        t.updated = e.time;
        t.actor = e.actor;
      }
      if (e.event === 'accepted') {
        if (e.mixture) t.mixture = e.mixture;
        if (e.model !== undefined) t.model = e.model;
        if (e.steps !== undefined) t.steps = e.steps;
      }
      if (e.key !== undefined) t.key = e.key;
      if (e.predicted) t.predicted = e.predicted;
      if (e.config !== undefined) t.config = e.config;
      continue;
    }
    if (!t) continue;
    t.updated = e.time;
    if (e.config !== undefined) t.config = e.config;
    if (e.run !== undefined) t.run = e.run;
    if (e.note !== undefined) t.note = e.note;
    switch (e.event) {
      case 'launched':
        t.launched = true;
        if (e.job && !t.jobs?.some((x) => x.scheduler === e.job!.scheduler && x.id === e.job!.id)) t.jobs = [...(t.jobs ?? []), e.job];
        if (t.status === 'suggested' || t.status === 'failed') t.status = 'pending';
        break;
      case 'completed':
      case 'failed':
      case 'abandoned':
        t.status = e.event;
        // how the trial's job ended, kept on that job
        if (e.job && t.jobs) t.jobs = t.jobs.map((x) => (x.scheduler === e.job!.scheduler && x.id === e.job!.id ? { ...x, ...e.job } : x));
        break;
    }
  }
  return [...trials.values()].map((t) => ({ ...t }));
}

/** The trial that owns an acceptance key: the first accepted line carrying it. */
export function acceptedTrialForKey(events: readonly LedgerEvent[], key: string): string | undefined {
  for (const e of events) if (e.event === 'accepted' && e.key === key) return e.trial;
  return undefined;
}

function pad(n: number, width = 2): string {
  return String(n).padStart(width, '0');
}

/**
 * A trial id unique across windows and processes: `t-<yyyymmdd-hhmmss>-<6 random base-36 chars>` (UTC).
 * `random` returns numbers in [0, 1) (a crypto source at the edge; injectable for tests).
 */
export function newTrialId(now: Date, random: () => number): string {
  const date = `${now.getUTCFullYear()}${pad(now.getUTCMonth() + 1)}${pad(now.getUTCDate())}`;
  const time = `${pad(now.getUTCHours())}${pad(now.getUTCMinutes())}${pad(now.getUTCSeconds())}`;
  let suffix = '';
  for (let i = 0; i < 6; i++) suffix += Math.floor(random() * 36).toString(36);
  return `t-${date}-${time}-${suffix}`;
}

/** One ledger line (with its newline) for an event. */
export function formatLedgerLine(event: LedgerEvent): string {
  return `${JSON.stringify(event)}\n`;
}
