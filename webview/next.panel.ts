// Next trial panel: the suggested mixture next to the recommended (current best) one, the fidelity to run it
// at, what the model predicts, why, and what it costs; Accept / Skip / Suggest a batch of k.
import { chosenByText } from '../src/protocol/format';
import { jobStateText } from '../src/protocol/jobText';
import type { StudySnapshot, SuggestionView, TrialView } from '../src/protocol/snapshot';
import { button, el, emptyNote, fmt, header, pct, savedState, saveState, send, startPanel, statusLine } from './shared';

let selected = 0;

function mixtureTable(s: SuggestionView, snapshot: StudySnapshot): HTMLElement {
  const best = snapshot.recommendation?.mixture ?? {};
  const max = Math.max(1e-9, ...Object.values(s.mixture), ...Object.values(best));
  const rows = snapshot.domains
    .map((d) => ({ d, w: s.mixture[d] ?? 0, b: best[d] ?? 0 }))
    .sort((a, b) => b.w - a.w || b.b - a.b);
  return el(
    'table',
    { id: 'suggested-mixture', class: 'mixture', 'aria-label': 'Suggested mixture next to the recommended mixture' },
    el('thead', {}, el('tr', {}, el('th', {}, 'Domain'), el('th', { class: 'num' }, 'Suggested'), el('th', { class: 'bars' }, ''), el('th', { class: 'num' }, snapshot.recommendation || snapshot.observations === 0 ? 'Recommended' : 'Recommended (computing…)'), el('th', { class: 'num' }, 'Change'))),
    el(
      'tbody',
      {},
      ...rows.map(({ d, w, b }) =>
        el(
          'tr',
          { 'data-domain': d, 'data-weight': String(w) },
          el('td', {}, d),
          el('td', { class: 'num' }, pct(w)),
          el(
            'td',
            { class: 'bars' },
            el('div', { class: 'bar suggested', style: `width:${(100 * w) / max}%`, title: `suggested ${pct(w)}` }),
            el('div', { class: 'bar best', style: `width:${(100 * b) / max}%`, title: `recommended ${pct(b)}` }),
          ),
          el('td', { class: 'num muted' }, snapshot.recommendation ? pct(b) : '—'),
          el('td', { class: `num ${w - b > 0.005 ? 'up' : w - b < -0.005 ? 'down' : 'muted'}` }, snapshot.recommendation ? `${w - b >= 0 ? '+' : '−'}${(Math.abs(w - b) * 100).toFixed(1)} pt` : ''),
        ),
      ),
    ),
  );
}

function facts(s: SuggestionView, snapshot: StudySnapshot): HTMLElement {
  const unit = snapshot.budget.unit;
  const left = Math.max(0, snapshot.budget.total - snapshot.budget.used);
  const fact = (label: string, value: Node | string, id?: string, note?: string): HTMLElement =>
    el('div', { class: 'fact' }, el('div', { class: 'label' }, label), el('div', { class: 'value', id }, value), note ? el('div', { class: 'note muted' }, note) : undefined);
  const p = s.predicted;
  const t = s.predictedAtTarget;
  const atTarget = s.model === snapshot.target.model && s.steps === snapshot.target.steps;
  const chosen = chosenByText(s, snapshot.target.model);
  return el(
    'div',
    { class: 'facts' },
    fact('Train', el('span', {}, el('span', { id: 'model-size' }, s.model), s.steps > 1 ? ` · ${s.steps.toLocaleString()} steps` : ''), undefined, atTarget ? 'the target model' : `a cheaper proxy of the ${snapshot.target.model} target`),
    p ? fact(`Predicted at ${s.model}`, `${fmt(p.mean)}`, 'predicted-value', `${snapshot.objectiveLabel}; 95% interval ${fmt(p.lower)} – ${fmt(p.upper)}`) : fact('Prediction', 'none yet', 'predicted-value', 'a space-filling first design: no run observed to predict from'),
    atTarget || !t ? undefined : fact(`At ${snapshot.target.model}`, fmt(t.mean), 'predicted-target', `95% interval ${fmt(t.lower)} – ${fmt(t.upper)}`),
    fact('Cost', `${fmt(s.cost, 3)} ${unit}`, 'cost', `${left > 0 ? ((100 * s.cost) / left).toFixed(s.cost / left < 0.01 ? 2 : 1) : '∞'}% of the ${fmt(left, 3)} ${unit} left`),
    fact(chosen.scored ? 'Acquisition' : 'Chosen', chosen.value, 'acquisition', chosen.note),
  );
}

/** The job of a launched trial: its state in words, with the output file and where logs were looked for. */
function jobCell(t: TrialView): HTMLElement {
  if (!t.job) return el('td', { class: 'muted' }, '—');
  const title = [t.job.output ? `output: ${t.job.output}` : '', t.job.logsMissing ? `no run log found; looked in ${t.job.logsMissing}` : '', t.job.queryError ?? ''].filter(Boolean).join('\n');
  return el('td', { class: `job-state${t.job.logsMissing ? ' warn' : ''}`, title: title || undefined }, `${t.job.scheduler} ${t.job.id}${t.job.state ? `: ${jobStateText(t.job)}` : ''}`);
}

/** Trials whose job ended without a result (failed, timed out, cancelled): why, and where the output is. */
function endedJobs(snapshot: StudySnapshot): HTMLElement | undefined {
  const ended = snapshot.trials.filter((t) => t.job && (t.status === 'failed' || t.status === 'abandoned')).sort((a, b) => (b.time ?? '').localeCompare(a.time ?? '')).slice(0, 5);
  if (ended.length === 0) return undefined;
  return el(
    'div',
    { id: 'ended-jobs' },
    el('h2', {}, 'Jobs that ended without a result'),
    el('ul', {}, ...ended.map((t) => el('li', { 'data-trial': t.id, 'data-status': t.status }, `${t.id} (${t.status}): ${t.note ?? `job ${t.job!.id}`}`))),
    el('p', { class: 'muted small' }, 'Resubmit a failed trial from the trials tree (same config, new job); the ledger keeps the earlier job.'),
  );
}

function render(snapshot: StudySnapshot | undefined, status: { busy?: string; error?: string }): void {
  const app = document.getElementById('app')!;
  const parts: (Node | undefined)[] = [header('Next trial', snapshot), statusLine(status)];
  const suggestions = snapshot?.suggestions ?? [];
  if (!snapshot) {
    parts.push(emptyNote(status.busy ? '' : 'No study analysed yet. Run “MixOpt: Suggest next mixture”.'));
  } else if (suggestions.length === 0) {
    if (snapshot.suggestionNote && !status.busy) parts.push(emptyNote(snapshot.suggestionNote));
    parts.push(
      emptyNote(status.busy ? 'Choosing the next trial…' : 'No open suggestion. Ask for one: MixOpt fits the model to every run and proposes the mixture and model size that tell it most about the target per unit of compute.'),
      el('div', { class: 'actions' }, button('Suggest next mixture', () => send({ method: 'suggest', batch: 1 }), { id: 'suggest-button', icon: 'lightbulb' })),
    );
    const pending = snapshot.trials.filter((t) => t.status === 'pending' || t.status === 'running').sort((a, b) => (b.time ?? '').localeCompare(a.time ?? ''));
    if (pending.length > 0) {
      parts.push(
        el('h2', {}, `Waiting for results (${pending.length})`),
        el(
          'table',
          { id: 'pending-trials', class: 'grid' },
          el('thead', {}, el('tr', {}, el('th', {}, 'Trial'), el('th', {}, 'Status'), el('th', {}, 'Job'), el('th', {}, 'Model'), el('th', {}, 'Config'), el('th', { class: 'num' }, 'Cost'))),
          el('tbody', {}, ...pending.slice(0, 10).map((t) => el('tr', { 'data-trial': t.id, 'data-job-state': t.job?.state }, el('td', { class: 'trial-id' }, t.id), el('td', {}, t.status), jobCell(t), el('td', {}, t.model), el('td', { class: 'muted' }, t.configPath ?? '—'), el('td', { class: 'num' }, `${fmt(t.cost, 3)} ${snapshot.budget.unit}`)))),
        ),
        el('p', { class: 'muted small' }, 'Pending trials are treated as fantasies: the next suggestion goes elsewhere. They complete when their run logs appear in the workspace.'),
      );
    }
    parts.push(endedJobs(snapshot));
  } else {
    if (selected >= suggestions.length) selected = 0;
    const s = suggestions[selected]!;
    if (snapshot.suggestionNote) parts.push(el('p', { class: 'muted', id: 'suggestion-note' }, snapshot.suggestionNote));
    if (suggestions.length > 1) {
      parts.push(
        el(
          'div',
          { class: 'tabs', role: 'tablist' },
          ...suggestions.map((x, i) => {
            const tab = el('button', { class: `tab${i === selected ? ' active' : ''}`, role: 'tab', 'aria-selected': String(i === selected) }, `${i + 1}. ${x.model} · ${x.predicted ? fmt(x.predicted.mean) : 'first design'}`);
            tab.addEventListener('click', () => {
              selected = i;
              render(snapshot, status);
            });
            return tab;
          }),
        ),
      );
    }
    const batchField = el('vscode-textfield', { id: 'batch-size', type: 'number', min: 1, max: 16, value: String(savedState().batch ?? 4), 'aria-label': 'batch size', class: 'batch' });
    parts.push(
      el('p', { class: 'trial-id muted' }, `Suggestion ${s.id}`),
      facts(s, snapshot),
      el('p', { class: 'reason' }, s.reason),
      el('h2', {}, 'Mixture', el('span', { class: 'legend' }, el('span', { class: 'swatch suggested' }), ' suggested ', el('span', { class: 'swatch best' }), ' recommended for the target now')),
      mixtureTable(s, snapshot),
      el(
        'div',
        { class: 'actions' },
        button('Accept — write the training config', () => send({ method: 'accept', suggestionId: s.id }), { id: 'accept-button', icon: 'check' }),
        button('Skip', () => send({ method: 'skip', suggestionId: s.id }), { id: 'skip-button', secondary: true, icon: 'close', title: 'Mark this suggestion abandoned and suggest another' }),
        el('span', { class: 'spacer' }),
        el('label', { for: 'batch-size', class: 'muted' }, 'Batch of'),
        batchField,
        button('Suggest batch', () => {
          const k = Math.min(16, Math.max(1, Math.round(Number((batchField as unknown as { value: string }).value) || 1)));
          saveState({ ...savedState(), batch: k });
          send({ method: 'suggest', batch: k });
        }, { id: 'batch-button', secondary: true, icon: 'layers', title: 'k diverse suggestions for parallel runs (pending trials are fantasised)' }),
      ),
    );
  }
  app.replaceChildren(...parts.filter((p): p is Node => p !== undefined));
}

startPanel({ render });
