// Budget panel: compute spent by model size against the budget, best target metric so far against compute,
// and what is left in runs of each model size.
import type { StudySnapshot } from '../src/protocol/snapshot';
import { costSourceText } from '../src/protocol/format';
import { chart, theme, withAlpha } from './charts';
import { button, el, emptyNote, fmt, header, send, startPanel, statusLine } from './shared';

function summary(snapshot: StudySnapshot): HTMLElement {
  const b = snapshot.budget;
  const left = Math.max(0, b.total - b.used);
  const fraction = b.total > 0 ? Math.min(1, b.used / b.total) : 0;
  const runsLeft = snapshot.models.map((m) => {
    const trial = snapshot.trials.find((t) => t.model === m.name && t.cost > 0);
    return trial ? `${Math.floor(left / trial.cost).toLocaleString()} × ${m.name}` : undefined;
  }).filter((x): x is string => x !== undefined);
  return el(
    'section',
    { class: 'card', id: 'budget-summary' },
    el('div', { class: 'meter', role: 'meter', 'aria-valuenow': fraction, 'aria-valuemin': 0, 'aria-valuemax': 1 }, el('div', { class: `fill${fraction > 0.9 ? ' danger' : ''}`, style: `width:${(fraction * 100).toFixed(1)}%` })),
    el('p', {}, el('strong', { id: 'budget-used' }, `${fmt(b.used)} of ${fmt(b.total)} ${b.unit}`), ` used (${(fraction * 100).toFixed(1)}%); `, el('strong', { id: 'budget-left' }, `${fmt(left)} ${b.unit}`), ' left', runsLeft.length ? ` ≈ ${runsLeft.join(' or ')} runs.` : '.'),
    el('p', { class: 'muted', id: 'budget-cost-source', 'data-source': b.costSource.kind }, `Costs: ${costSourceText(b.costSource)}.`),
    el(
      'table',
      { class: 'grid compact' },
      el('thead', {}, el('tr', {}, el('th', {}, 'Model'), el('th', { class: 'num' }, 'Runs'), el('th', { class: 'num' }, `Spent (${b.unit})`), el('th', { class: 'num' }, 'Share'))),
      el(
        'tbody',
        {},
        ...snapshot.models.map((m) => {
          const spent = b.byModel[m.name] ?? 0;
          const runs = b.burn.filter((x) => x.model === m.name).length;
          return el('tr', {}, el('td', {}, m.name), el('td', { class: 'num' }, runs.toLocaleString()), el('td', { class: 'num' }, fmt(spent)), el('td', { class: 'num' }, b.used > 0 ? `${((100 * spent) / b.used).toFixed(1)}%` : '—'));
        }),
      ),
    ),
  );
}

function burnChart(snapshot: StudySnapshot): HTMLElement {
  const b = snapshot.budget;
  if (b.burn.length === 0) return emptyNote('No run has cost anything yet.');
  const t = theme();
  // cumulative spend per model size after each run, in run order
  const running = new Map<string, number>(snapshot.models.map((m) => [m.name, 0]));
  const series = new Map<string, { x: number; y: number }[]>(snapshot.models.map((m) => [m.name, []]));
  let previous = 0;
  b.burn.forEach((step, i) => {
    running.set(step.model, (running.get(step.model) ?? 0) + (step.cost - previous));
    previous = step.cost;
    for (const [model, total] of running) {
      if (!series.has(model)) series.set(model, []);
      series.get(model)!.push({ x: i + 1, y: total });
    }
  });
  const models = [...series.keys()];
  return el(
    'section',
    { class: 'card' },
    el('h2', {}, 'Compute spent by model size'),
    chart(
      'budget-chart',
      {
        type: 'line',
        data: {
          datasets: [
            ...models.map((m, i) => ({ label: m, data: series.get(m)!, borderColor: t.series[i % t.series.length]!, backgroundColor: withAlpha(t.series[i % t.series.length]!, 0.35), fill: i === 0 ? 'origin' : '-1', pointRadius: 0, borderWidth: 1.5 })),
            { label: `budget (${fmt(b.total)} ${b.unit})`, data: [{ x: 1, y: b.total }, { x: b.burn.length, y: b.total }], borderColor: t.red, borderDash: [6, 4], borderWidth: 1.5, pointRadius: 0, fill: false, stack: 'budget' },
          ],
        },
        options: { parsing: false, scales: { x: { type: 'linear', min: 1, max: b.burn.length, title: { display: true, text: 'runs (in the order read)' } }, y: { stacked: true, min: 0, title: { display: true, text: b.unit } } } },
      },
      b.burn.length,
      'cumulative compute spent by model size against the budget',
    ),
  );
}

function bestChart(snapshot: StudySnapshot): HTMLElement {
  const b = snapshot.budget;
  // one point where the best changes (a step curve), not one per run
  const points: { x: number; y: number }[] = [];
  for (const x of b.burn) if (x.bestTarget !== undefined && points[points.length - 1]?.y !== x.bestTarget) points.push({ x: x.cost, y: x.bestTarget });
  const t = theme();
  if (points.length === 0) return el('section', { class: 'card' }, el('h2', {}, `Best ${snapshot.target.model} result so far`), emptyNote(`No ${snapshot.target.model} run has finished yet; the curve starts with the first one.`), el('canvas', { id: 'best-chart', 'data-points': 0 }));
  const last = points[points.length - 1]!;
  return el(
    'section',
    { class: 'card' },
    el('h2', {}, `Best ${snapshot.target.model} ${snapshot.objectiveLabel} against compute`),
    chart(
      'best-chart',
      {
        type: 'line',
        data: {
          datasets: [
            { label: `best observed at ${snapshot.target.model}`, data: [...points, { x: Math.max(b.used, last.x), y: last.y }], stepped: 'after', borderColor: t.series[2]!, backgroundColor: t.series[2]!, pointRadius: 3, borderWidth: 2 },
            ...(snapshot.recommendation ? [{ label: 'recommendation (predicted)', data: [{ x: Math.max(b.used, last.x), y: snapshot.recommendation.predicted.mean }], type: 'scatter' as const, backgroundColor: t.series[1]!, pointRadius: 6, pointStyle: 'star' }] : []),
          ],
        },
        options: { parsing: false, scales: { x: { type: 'linear', min: 0, title: { display: true, text: `cumulative cost (${b.unit})` } }, y: { title: { display: true, text: snapshot.objectiveLabel } } } },
      },
      points.length,
      'best observed target metric against cumulative cost',
    ),
  );
}

function render(snapshot: StudySnapshot | undefined, status: { busy?: string; error?: string }): void {
  const app = document.getElementById('app')!;
  const parts: (Node | undefined)[] = [header('Budget', snapshot), statusLine(status)];
  if (!snapshot) parts.push(emptyNote(status.busy ? 'Reading runs…' : 'No study read yet.'));
  else {
    parts.push(
      summary(snapshot),
      el('div', { class: 'two' }, burnChart(snapshot), bestChart(snapshot)),
      el('div', { class: 'actions' }, button('Next trial', () => send({ method: 'openPanel', panel: 'next' }), { icon: 'lightbulb' }), button('Posterior', () => send({ method: 'openPanel', panel: 'posterior' }), { secondary: true, icon: 'graph' })),
    );
  }
  app.replaceChildren(...parts.filter((x): x is Node => x !== undefined));
}

startPanel({ render });
