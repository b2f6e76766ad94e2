// `mixopt status`: the discovered runs that gave no observation, counted by reason, and listed with --verbose.
import type { StudySnapshot } from '../protocol/snapshot';

const REASONS: Readonly<Record<string, string>> = {
  'no-mixture': 'no mixture found',
  'no-metrics': 'objective metrics missing',
  'no-checkpoints': 'no metrics logged yet',
  'before-first-step': 'before the first study step',
  'unknown-model': 'model not in the study',
  failed: 'failed',
};

export function formatUnusedRuns(snapshot: StudySnapshot, verbose: boolean): string[] {
  const unused = snapshot.unusedRuns ?? [];
  if (unused.length === 0) return [];
  const byReason = new Map<string, number>();
  for (const u of unused) byReason.set(u.reason, (byReason.get(u.reason) ?? 0) + 1);
  const counts = [...byReason].sort((a, b) => b[1] - a[1]).map(([r, n]) => `${n} ${REASONS[r] ?? r}`).join(', ');
  const lines = [`  unused runs: ${unused.length} (${counts})${verbose ? ':' : '; --verbose lists them'}`];
  if (verbose) for (const u of unused) lines.push(`    ${u.source}: ${u.message}${u.hint !== undefined ? ` (${u.hint})` : ''}`);
  return lines;
}
