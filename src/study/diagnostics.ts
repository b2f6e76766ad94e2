// A problem found in a user's file. Every parser returns these instead of throwing past its boundary.

export type Severity = 'error' | 'warning' | 'info';

export interface Diagnostic {
  readonly severity: Severity;
  /** path of the file as given to the parser (workspace-relative where possible) */
  readonly file: string;
  /** 1-based line; 0 when the problem is not tied to a line */
  readonly line: number;
  /** 1-based column; 0 when unknown */
  readonly column?: number;
  /** dotted key path inside the file, e.g. "fidelities.models[1].params", when there is one */
  readonly key?: string;
  /** what is wrong */
  readonly message: string;
  /** how to fix it */
  readonly hint?: string;
}

export function formatDiagnostic(d: Diagnostic): string {
  const where = `${d.file}${d.line > 0 ? `:${d.line}` : ''}${d.column ? `:${d.column}` : ''}`;
  const key = d.key ? ` [${d.key}]` : '';
  const hint = d.hint ? ` (${d.hint})` : '';
  return `${where}: ${d.severity}${key}: ${d.message}${hint}`;
}
