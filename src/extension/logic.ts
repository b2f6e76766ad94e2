// Host logic that needs no vscode API: text of the status bar and tree items, grouping of trials, the exported
// report. Unit-tested under plain node.
import { costSourceText, fmt } from '../protocol/format';
import { jobStateText } from '../protocol/jobText';
import type { JobState, StudySnapshot, TrialStatus, TrialView } from '../protocol/snapshot';

export const STATUS_GROUPS: readonly { status: TrialStatus | 'running'; label: string; icon: string }[] = [
  { status: 'suggested', label: 'Suggested', icon: 'lightbulb' },
  { status: 'pending', label: 'Pending', icon: 'clock' },
  { status: 'running', label: 'Running', icon: 'sync' },
  { status: 'completed', label: 'Completed', icon: 'pass' },
  { status: 'failed', label: 'Failed', icon: 'error' },
  { status: 'abandoned', label: 'Abandoned', icon: 'circle-slash' },
  { status: 'external', label: 'External runs', icon: 'cloud' },
];

export function groupTrials(trials: readonly TrialView[]): Map<TrialStatus, TrialView[]> {
  const groups = new Map<TrialStatus, TrialView[]>();
  for (const t of trials) groups.set(t.status, [...(groups.get(t.status) ?? []), t]);
  // newest first inside a group where times are known
  for (const list of groups.values()) list.sort((a, b) => (b.time ?? '').localeCompare(a.time ?? ''));
  return groups;
}

export { fmt };

export function bestTargetValue(snapshot: StudySnapshot): number | undefined {
  const values = snapshot.trials.filter((t) => t.model === snapshot.target.model && t.value !== undefined && t.status !== 'failed').map((t) => t.value!);
  if (values.length === 0) return undefined;
  return snapshot.direction === 'minimize' ? Math.min(...values) : Math.max(...values);
}

export function statusBarText(snapshot: StudySnapshot): { text: string; tooltip: string } {
  const b = snapshot.budget;
  const errors = snapshot.diagnostics.filter((d) => d.severity === 'error' && d.file === snapshot.studyFile).length;
  if (errors > 0 && b.total === 0) {
    return { text: `$(warning) MixOpt: ${errors} problem${errors > 1 ? 's' : ''} in the study`, tooltip: `${snapshot.studyFile} has errors; see the Problems panel.\nClick to show the budget` };
  }
  const best = bestTargetValue(snapshot);
  const text = `$(beaker) MixOpt ${fmt(b.used, 3)}/${fmt(b.total, 3)} ${b.unit}${best !== undefined ? ` · best ${fmt(best)}` : ''}`;
  const tooltip = [
    `Study ${snapshot.name}: ${snapshot.objectiveLabel} (${snapshot.direction})`,
    `Budget: ${fmt(b.used)} of ${fmt(b.total)} ${b.unit} used`,
    `Costs: ${costSourceText(b.costSource)}`,
    best !== undefined ? `Best observed at ${snapshot.target.model}: ${fmt(best)}` : `No ${snapshot.target.model} run observed yet`,
    'Click to show the budget',
  ].join('\n');
  return { text, tooltip };
}

/** Codicons for job states (a finished job whose logs were not found gets a warning). */
export const JOB_ICONS: Readonly<Record<JobState | 'logs-missing', string>> = {
  queued: 'watch',
  running: 'sync~spin',
  completed: 'pass',
  failed: 'error',
  cancelled: 'circle-slash',
  timeout: 'clock',
  'out-of-memory': 'flame',
  'node-failure': 'server',
  unknown: 'question',
  'logs-missing': 'warning',
};

/**
 * The tree item's contextValue, read by the menus' `viewItem =~` clauses in package.json:
 * trial.<status>[.config][.run][.job.<state|none>][.output].
 */
export function trialContextValue(t: TrialView): string {
  const job = t.job ? `.job.${t.job.state ?? 'none'}${t.job.output ? '.output' : ''}` : '';
  return `trial.${t.status}${t.configPath ? '.config' : ''}${t.runSource ? '.run' : ''}${job}`;
}

export function trialDescription(t: TrialView, unit: string): string {
  // a failed or abandoned trial's log is partial by nature: its job state says how it ended, not "partial"
  const showPartial = t.partial === true && t.status !== 'failed' && t.status !== 'abandoned';
  const parts = [showPartial ? `${t.status}, partial at ${t.stepsReached ?? '?'} steps` : t.status, `${t.model}${t.steps > 1 ? `@${t.steps}` : ''}`];
  if (t.job?.state) parts.splice(1, 0, jobStateText(t.job));
  if (t.value !== undefined) parts.push(`= ${fmt(t.value)}`);
  if (t.cost > 0) parts.push(`${fmt(t.cost, 2)} ${unit}`);
  return parts.join(' · ');
}

/** Text shown literally inside Markdown: every character Markdown or HTML could act on is escaped. */
export function escapeMarkdown(text: string): string {
  // eslint-disable-next-line no-control-regex -- control characters are what it replaces
  return text.replace(/[\u0000-\u001f\u007f]/g, ' ').replace(/[\\`*_{}[\]()#+\-.!|<>&~"'$:]/g, (c) => `\\${c}`);
}

export function trialTooltip(t: TrialView, snapshot: StudySnapshot, trusted = true): string {
  const top = Object.entries(t.mixture).sort((a, b) => b[1] - a[1]).slice(0, 6);
  const md = escapeMarkdown;
  return [
    `**${md(t.id)}** — ${t.status}`,
    '',
    `Model ${md(t.model)}, ${t.steps} steps; cost ${fmt(t.cost)} ${md(snapshot.budget.unit)}`,
    t.value !== undefined ? `${md(snapshot.objectiveLabel)}: **${fmt(t.value)}**` : 'No result yet',
    '',
    'Largest weights: ' + top.map(([d, w]) => `${md(d)} ${(w * 100).toFixed(1)}%`).join(', '),
    ...(t.configPath ? ['', `Config: ${md(t.configPath)}`] : []),
    ...(t.runSource ? [`Run: ${md(t.runSource)}`] : []),
    ...(t.job ? ['', `Job: ${md(t.job.scheduler)} ${md(t.job.id)}${t.job.state ? ` — ${md(jobStateText(t.job))}` : ''}${t.job.attempts > 1 ? ` (launch ${t.job.attempts})` : ''}`] : []),
    ...(t.job?.output ? [`Job output: ${md(t.job.output)}`] : []),
    ...(t.job?.logsMissing ? [`The job ended but no run log of the trial was found; MixOpt looked in ${md(t.job.logsMissing)}.`] : []),
    ...(t.job?.queryError ? [`The scheduler could not be asked: ${md(t.job.queryError)}`] : []),
    ...(t.note && (t.status === 'failed' || t.status === 'abandoned') ? [`Why: ${md(t.note)}`] : []),
    ...(!trusted && (t.job || snapshot.launch) ? ['', `Launch, Cancel and Resubmit are disabled: they run programs, so they need a trusted workspace.`] : []),
  ].join('\n');
}

/** What is left of the budget, in words. */
export function budgetLeftText(snapshot: StudySnapshot): string {
  const b = snapshot.budget;
  const left = Math.max(0, b.total - b.used);
  const perModel = snapshot.models
    .map((m) => {
      const trial = snapshot.trials.find((t) => t.model === m.name && t.cost > 0);
      const unitCost = trial?.cost;
      return unitCost ? `${Math.floor(left / unitCost)} ${m.name} runs` : undefined;
    })
    .filter((x): x is string => x !== undefined);
  return `${fmt(b.used)} of ${fmt(b.total)} ${b.unit} used; ${fmt(left)} left${perModel.length ? ` ≈ ${perModel.join(' or ')}` : ''}.`;
}

/**
 * One CSV cell. Text from logs (run ids, paths) that a spreadsheet would read as a formula (`=`, `+`, `-`, `@`, tab,
 * carriage return first: OWASP's CSV injection guidance) gets a leading `'`, so it shows as text; numbers stay numbers.
 */
export const csvCell = (v: string | number | undefined): string => {
  let s = v === undefined ? '' : String(v);
  if (typeof v !== 'number' && /^[=+\-@\t\r]/.test(s)) s = `'${s}`;
  return /[",\n\r]/.test(s) ? `"${s.replaceAll('"', '""')}"` : s;
};

export function trialsCsv(snapshot: StudySnapshot): string {
  const header = ['id', 'status', 'model', 'steps', 'value', 'cost', 'config', 'run', 'time', ...snapshot.domains];
  const rows = snapshot.trials.map((t) => [t.id, t.status, t.model, t.steps, t.value, t.cost, t.configPath, t.runSource, t.time, ...snapshot.domains.map((d) => t.mixture[d] ?? 0)]);
  return [header, ...rows].map((r) => r.map(csvCell).join(',')).join('\n') + '\n';
}

const esc = (s: string): string => s.replace(/[&<>"]/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;' })[c]!);

/** Bars as inline SVG (the report is a standalone file: no scripts). */
function svgBars(rows: readonly (readonly [string, number])[], width = 520): string {
  const h = 18;
  const max = Math.max(...rows.map((r) => Math.abs(r[1])), 1e-12);
  const items = rows
    .map(([label, v], i) => `<text x="0" y="${i * h + 13}" font-size="12">${esc(label)}</text><rect x="170" y="${i * h + 3}" width="${((width - 240) * Math.abs(v)) / max}" height="${h - 6}" fill="#3794ff"/><text x="${175 + ((width - 240) * Math.abs(v)) / max}" y="${i * h + 13}" font-size="11">${fmt(v)}</text>`)
    .join('');
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${rows.length * h + 4}">${items}</svg>`;
}

function svgLine(points: readonly (readonly [number, number])[], width = 520, height = 220, label = ''): string {
  if (points.length === 0) return '<p>No data.</p>';
  const xs = points.map((p) => p[0]);
  const ys = points.map((p) => p[1]);
  const [x0, x1] = [Math.min(...xs), Math.max(...xs) || 1];
  const [y0, y1] = [Math.min(...ys), Math.max(...ys)];
  const sx = (x: number): number => 40 + ((x - x0) / (x1 - x0 || 1)) * (width - 60);
  const sy = (y: number): number => height - 30 - ((y - y0) / (y1 - y0 || 1)) * (height - 50);
  const path = points.map((p, i) => `${i ? 'L' : 'M'}${sx(p[0]).toFixed(1)},${sy(p[1]).toFixed(1)}`).join(' ');
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}"><path d="${path}" fill="none" stroke="#3794ff" stroke-width="2"/><text x="40" y="${height - 8}" font-size="11">${esc(label)} ${fmt(x0)} … ${fmt(x1)}</text><text x="2" y="14" font-size="11">${fmt(y1)}</text><text x="2" y="${height - 30}" font-size="11">${fmt(y0)}</text></svg>`;
}

export function reportHtml(snapshot: StudySnapshot): string {
  const rec = snapshot.recommendation;
  const s = snapshot.suggestions?.[0];
  const best = bestTargetValue(snapshot);
  const sections: string[] = [
    `<h1>MixOpt report: ${esc(snapshot.name)}</h1>`,
    `<p>${esc(snapshot.objectiveLabel)} (${snapshot.direction}); target ${esc(snapshot.target.model)} at ${snapshot.target.steps} steps; ${snapshot.observations} observations; computed ${esc(snapshot.computedAt)}.</p>`,
    `<h2>Budget</h2><p>${esc(budgetLeftText(snapshot))}</p><p>Costs: ${esc(costSourceText(snapshot.budget.costSource))}.</p>`,
    svgBars(Object.entries(snapshot.budget.byModel)),
    `<h2>Best ${esc(snapshot.target.model)} value against cost</h2>`,
    svgLine(snapshot.budget.burn.filter((b) => b.bestTarget !== undefined).map((b) => [b.cost, b.bestTarget!] as const), 520, 220, `cost (${snapshot.budget.unit})`),
  ];
  if (rec) {
    sections.push(
      `<h2>Recommended mixture for ${esc(rec.model)}</h2><p>Predicted ${rec.predictedAt ? `at ${esc(rec.predictedAt.model)} (${rec.predictedAt.steps} steps) ` : ''}${fmt(rec.predicted.mean)} (95%: ${fmt(rec.predicted.lower)} … ${fmt(rec.predicted.upper)})${best !== undefined ? `; best observed ${fmt(best)}` : ''}.</p>`,
      svgBars(Object.entries(rec.mixture).sort((a, b) => b[1] - a[1])),
    );
  }
  if (s) sections.push(`<h2>Next suggested trial (${esc(s.model)})</h2><p>${esc(s.reason)}</p>`, svgBars(Object.entries(s.mixture).sort((a, b) => b[1] - a[1])));
  if (snapshot.posterior?.perDomain.length) {
    sections.push(
      '<h2>Per-domain metrics: recommendation vs best observed</h2><table><tr><th>metric</th><th>recommended (predicted)</th><th>best observed</th><th></th></tr>' +
        snapshot.posterior.perDomain.map((p) => `<tr><td>${esc(p.metric)}</td><td>${fmt(p.recommended)}</td><td>${p.bestObserved !== undefined ? fmt(p.bestObserved) : '—'}</td><td>${p.worse ? '⚠ worse' : ''}</td></tr>`).join('') +
        '</table>',
    );
  }
  sections.push(`<h2>Trials</h2><p>${snapshot.trials.length} trials and runs; see the CSV next to this file.</p>`);
  return `<!DOCTYPE html><html><head><meta charset="utf-8"><title>MixOpt report ${esc(snapshot.name)}</title><style>body{font-family:system-ui,sans-serif;max-width:900px;margin:2em auto;color:#222}td,th{padding:2px 8px;text-align:left}</style></head><body>${sections.join('\n')}</body></html>`;
}

/**
 * A read-only refresh (no fit) or a fit without suggestions keeps what the previous analysis knew: the posterior
 * and recommendation until the next fit, and suggestions the user has not acted on yet.
 */
export function carryOver(next: StudySnapshot, previous: StudySnapshot | undefined): StudySnapshot {
  if (!previous || previous.studyFile !== next.studyFile) return next;
  const stillSuggested = (previous.suggestions ?? []).filter((s) => next.trials.find((t) => t.id === s.id)?.status === 'suggested');
  return {
    ...next,
    ...(next.posterior === undefined && previous.posterior !== undefined ? { posterior: previous.posterior } : {}),
    ...(next.recommendation === undefined && previous.recommendation !== undefined ? { recommendation: previous.recommendation } : {}),
    ...(next.suggestions === undefined || next.suggestions.length === 0 ? (stillSuggested.length > 0 ? { suggestions: stillSuggested } : {}) : {}),
  };
}
