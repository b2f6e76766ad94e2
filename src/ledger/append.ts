// The ledger's file-system edge. Each event is one whole line written with a single write(2) on a descriptor
// opened with O_APPEND, so concurrent writers (two VS Code windows, the CLI) never interleave inside a line on a
// local file system, and a crash loses at most the line being written.
import { randomBytes } from 'node:crypto';
import { closeSync, existsSync, fstatSync, mkdirSync, openSync, readFileSync, readSync, writeSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileOp } from '../core/faults';
import type { LedgerEvent, ParsedLedger } from './ledger';
import type { Trial } from './ledger';
import { acceptedTrialForKey, foldTrials, formatLedgerLine, newTrialId, parseLedger } from './ledger';

/** `.mixopt/ledger.jsonl` in the study file's folder. */
export function ledgerPathFor(studyFile: string): string {
  return join(dirname(studyFile), '.mixopt', 'ledger.jsonl');
}

/**
 * Appends one event as one line. Creates `.mixopt/` when needed. When the file does not end with a newline (a
 * torn line left by a crash), the write starts with one, so the new event stays on a line of its own.
 */
export function appendEvent(ledgerPath: string, event: LedgerEvent): void {
  mkdirSync(dirname(ledgerPath), { recursive: true });
  fileOp('mkdir', dirname(ledgerPath));
  const fd = openSync(ledgerPath, 'a+');
  fileOp('open', ledgerPath);
  try {
    const size = fstatSync(fd).size;
    let prefix = '';
    if (size > 0) {
      const last = Buffer.alloc(1);
      readSync(fd, last, 0, 1, size - 1);
      if (last[0] !== 0x0a) prefix = '\n';
    }
    const buffer = Buffer.from(prefix + formatLedgerLine(event), 'utf8');
    const written = writeSync(fd, buffer, 0, buffer.length);
    if (written !== buffer.length) throw Object.assign(new Error(`short write to ${ledgerPath}: ${written} of ${buffer.length} bytes`), { code: 'ENOSPC', syscall: 'write', path: ledgerPath });
    fileOp('append', ledgerPath);
  } finally {
    closeSync(fd);
  }
}

/** Reads and parses the ledger; a missing file is an empty ledger. */
export function readLedger(ledgerPath: string): ParsedLedger {
  if (!existsSync(ledgerPath)) return { events: [], diagnostics: [] };
  try {
    return parseLedger(readFileSync(ledgerPath, 'utf8'), ledgerPath);
  } catch (e) {
    return { events: [], diagnostics: [{ severity: 'error', file: ledgerPath, line: 0, message: `cannot read the ledger: ${e instanceof Error ? e.message : String(e)}` }] };
  }
}

/** The ledger's trials (folded) and the problems found reading it. */
export function readTrials(ledgerPath: string): { trials: Trial[]; diagnostics: ParsedLedger['diagnostics'] } {
  const { events, diagnostics } = readLedger(ledgerPath);
  return { trials: foldTrials(events), diagnostics };
}

/** Random numbers in [0, 1) from the OS source, for trial ids. */
function cryptoRandom(): number {
  return randomBytes(4).readUInt32BE(0) / 2 ** 32;
}

/** A new unique trial id (`t-<yyyymmdd-hhmmss>-<random6>`). */
export function createTrialId(now: Date = new Date()): string {
  return newTrialId(now, cryptoRandom);
}

/**
 * Accepts a suggestion at most once across windows, without a lock: appends the `accepted` event (which must
 * carry `key`, the suggestion's id), reads the ledger back and returns the trial that owns the key (the first
 * accepted line with it). When that is not `event.trial`, another window won; the caller should use the
 * returned trial and discard its own (the fold already drops the loser).
 */
export function acceptOnce(ledgerPath: string, event: LedgerEvent & { readonly event: 'accepted'; readonly key: string }): { trial: string; won: boolean } {
  const before = readLedger(ledgerPath);
  const existing = acceptedTrialForKey(before.events, event.key);
  if (existing !== undefined) return { trial: existing, won: existing === event.trial };
  appendEvent(ledgerPath, event);
  const after = readLedger(ledgerPath);
  const owner = acceptedTrialForKey(after.events, event.key) ?? event.trial;
  return { trial: owner, won: owner === event.trial };
}
