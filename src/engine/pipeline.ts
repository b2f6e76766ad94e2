// The engine's shared steps: reading the study, progress and cancellation checkpoints, fingerprints of inputs and
// diagnostics as the snapshot shows them. Used by the analysis (engine.ts) and the commands (commands.ts).
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { isAbsolute, resolve } from 'node:path';
import type { DiagnosticView } from '../protocol/snapshot';
import type { Diagnostic } from '../study/diagnostics';
import { parseStudy } from '../study/parse';
import type { Study } from '../study/types';
import { EngineCancelled } from './errors';

export interface EngineContext {
  readonly signal?: AbortSignal;
  readonly progress?: (message: string, fraction: number) => void;
}

/** Lets queued messages (a cancel) in and stops when cancelled. */
export async function checkpoint(ctx: EngineContext, message: string, fraction: number): Promise<void> {
  await new Promise((r) => setImmediate(r));
  if (ctx.signal?.aborted) throw new EngineCancelled();
  ctx.progress?.(message, fraction);
}

export function toView(d: Diagnostic, baseDir: string): DiagnosticView {
  const file = isAbsolute(d.file) ? d.file : resolve(baseDir, d.file);
  return {
    severity: d.severity,
    file,
    line: d.line,
    ...(d.key !== undefined ? { key: d.key } : {}),
    message: d.message,
    ...(d.hint !== undefined ? { hint: d.hint } : {}),
  };
}

export function readStudy(studyFile: string): { study?: Study; diagnostics: Diagnostic[]; text: string } {
  let text: string;
  try {
    text = readFileSync(studyFile, 'utf8');
  } catch (e) {
    return {
      text: '',
      diagnostics: [{ severity: 'error', file: studyFile, line: 0, message: `cannot read the study file: ${e instanceof Error ? e.message : String(e)}`, hint: 'check the path' }],
    };
  }
  const parsed = parseStudy(text, studyFile);
  return { ...parsed, diagnostics: [...parsed.diagnostics], text };
}

/** A hash of texts and lists of JSON values, item by item (one JSON string of 1e6 runs exceeds V8's string limit). */
export function fingerprint(parts: readonly (string | readonly unknown[])[]): string {
  const h = createHash('sha1');
  for (const p of parts) {
    if (typeof p === 'string') h.update(p);
    else for (const item of p) h.update(JSON.stringify(item) ?? 'undefined').update('\u0001');
    h.update('\u0000');
  }
  return h.digest('hex');
}
