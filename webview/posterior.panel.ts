// Posterior panel: the recommended mixture for the target and how much to trust it — per-domain slices with
// ±2σ bands, leave-one-out predictions, how well each small model ranks mixtures like the target, domain
// importance, and per-domain metrics of the recommendation against the best observed run.
import type { PosteriorView, StudySnapshot } from '../src/protocol/snapshot';
import { chart, theme, withAlpha } from './charts';
import { button, el, emptyNote, fmt, header, pct, send, startPanel, statusLine } from './shared';

let sliceDomain: string | undefined;

function recommendationCard(snapshot: StudySnapshot): HTMLElement {
  const r = snapshot.recommendation;
  if (!r) return emptyNote('No recommendation yet: the model needs at least one observed run.');
  const top = Object.entries(r.mixture).sort((a, b) => b[1] - a[1]);
  const best = r.bestObserved;
  const better = best && !r.predictedAt ? (snapshot.direction === 'minimize' ? r.predicted.mean < best.value : r.predicted.mean > best.value) : undefined;
  return el(
    'section',
    { id: 'recommendation', class: 'card' },
    el('h2', {}, `Recommended mixture for ${r.model}`),
    el(
      'p',
      {},
      r.predictedAt ? el('span', { id: 'recommended-value-at' }, `Predicted at ${r.predictedAt.model} (${r.predictedAt.steps.toLocaleString('en-US')} steps, not ${r.model}) `) : 'Predicted ',
      el('strong', { id: 'recommended-value' }, fmt(r.predicted.mean)),
      ` (95% interval ${fmt(r.predicted.lower)} – ${fmt(r.predicted.upper)}), `,
      r.source === 'observed' ? 'a mixture already run' : 'found by searching the simplex',
      best ? `; best observed ${snapshot.target.model} run ${best.trialId}: ${fmt(best.value)}${better ? ' (the recommendation is predicted better)' : ''}.` : `; no ${snapshot.target.model} run observed yet.`,
    ),
    ...(r.extrapolation !== undefined ? [el('p', { id: 'recommendation-extrapolation', class: 'small warn' }, r.extrapolation)] : []),
    ...(r.alternative
      ? [
          el(
            'p',
            { id: 'recommendation-alternative', class: 'muted' },
            r.alternative.measured
              ? `Better than the best measured ${r.model} mixture (predicted ${fmt(r.alternative.predicted.mean)}) with probability ${Math.round(100 * r.alternative.probabilityBetter)}%; a searched mixture is recommended over a measured one only from ${Math.round(100 * r.alternative.threshold)}%.`
              : `A searched mixture is predicted at ${fmt(r.alternative.predicted.mean)}, but it beats this measured one with probability ${Math.round(100 * (1 - r.alternative.probabilityBetter))}% only (needs ${Math.round(100 * r.alternative.threshold)}%), so the measured mixture is kept.`,
          ),
        ]
      : []),
    el('div', { class: 'chips', id: 'recommended-mixture' }, ...top.map(([d, w]) => el('span', { class: `chip${w < 0.005 ? ' faint' : ''}`, 'data-domain': d, 'data-weight': String(w) }, `${d} ${pct(w)}`))),
  );
}

function slicesChart(snapshot: StudySnapshot, p: PosteriorView): HTMLElement {
  if (p.slices.length === 0) return emptyNote('No slices: the model has no recommendation to slice through.');
  const importance = new Map(p.domainImportance.map((x) => [x.domain, x.importance]));
  const ordered = [...p.slices].sort((a, b) => (importance.get(b.domain) ?? 0) - (importance.get(a.domain) ?? 0));
  if (!sliceDomain || !p.slices.some((s) => s.domain === sliceDomain)) sliceDomain = ordered[0]!.domain;
  const slice = p.slices.find((s) => s.domain === sliceDomain)!;
  const t = theme();
  const color = t.series[0]!;
  const xy = (ys: readonly number[]): { x: number; y: number }[] => slice.weights.map((w, i) => ({ x: w, y: ys[i]! }));
  const currentIndex = slice.weights.reduce((bi, w, i) => (Math.abs(w - slice.current) < Math.abs(slice.weights[bi]! - slice.current) ? i : bi), 0);
  const select = el('vscode-single-select', { id: 'slice-domain', 'aria-label': 'domain to slice along' }, ...ordered.map((s) => el('vscode-option', { value: s.domain, ...(s.domain === sliceDomain ? { selected: '' } : {}) }, s.domain)));
  select.addEventListener('change', () => {
    sliceDomain = (select as unknown as { value: string }).value;
    render(snapshot, {});
  });
  const canvas = chart(
    'slices-chart',
    {
      type: 'line',
      data: {
        datasets: [
          { label: '+2σ', data: xy(slice.upper), borderWidth: 0, pointRadius: 0, fill: '+1', backgroundColor: withAlpha(color, 0.18) },
          { label: '−2σ', data: xy(slice.lower), borderWidth: 0, pointRadius: 0, fill: false },
          { label: `posterior mean at ${snapshot.target.model}`, data: xy(slice.mean), borderColor: color, borderWidth: 2, pointRadius: 0 },
          { label: 'recommended weight', type: 'scatter', data: [{ x: slice.current, y: slice.mean[currentIndex]! }], backgroundColor: t.series[1]!, pointRadius: 6, pointStyle: 'crossRot', borderColor: t.series[1]!, borderWidth: 2 },
        ],
      },
      options: {
        parsing: false,
        scales: {
          x: { type: 'linear', min: 0, max: Math.max(...slice.weights), title: { display: true, text: `weight of ${slice.domain} (other domains rescaled)` } },
          y: { title: { display: true, text: snapshot.objectiveLabel } },
        },
        plugins: { legend: { labels: { filter: (item) => !item.text.includes('σ') } }, tooltip: { mode: 'nearest', intersect: false } },
      },
    },
    slice.weights.length,
    `posterior mean and ±2σ band of the target objective along the weight of ${slice.domain}`,
  );
  return el('section', { class: 'card' }, el('div', { class: 'card-head' }, el('h2', {}, 'Slices through the recommendation'), select), canvas, el('p', { class: 'muted small' }, 'Each slice moves one domain’s weight and rescales the others; the band is ±2σ of the posterior at the target model.'));
}

function looChart(snapshot: StudySnapshot, p: PosteriorView): HTMLElement {
  if (p.loo.length === 0) return emptyNote('Leave-one-out needs at least two observations.');
  const t = theme();
  const models = [...new Set(p.loo.map((x) => x.model))];
  const all = p.loo.flatMap((x) => [x.observed, x.predicted]);
  const lo = Math.min(...all);
  const hi = Math.max(...all);
  const rmse = Math.sqrt(p.loo.reduce((a, x) => a + (x.predicted - x.observed) ** 2, 0) / p.loo.length);
  const canvas = chart(
    'loo-chart',
    {
      type: 'scatter',
      data: {
        datasets: [
          ...models.map((m, i) => ({ label: m, data: p.loo.filter((x) => x.model === m).map((x) => ({ x: x.observed, y: x.predicted })), backgroundColor: withAlpha(t.series[i % t.series.length]!, 0.7), pointRadius: m === snapshot.target.model ? 5 : 2.5 })),
          { label: 'y = x', type: 'line' as const, data: [{ x: lo, y: lo }, { x: hi, y: hi }], borderColor: t.muted, borderDash: [4, 4], borderWidth: 1, pointRadius: 0 },
        ],
      },
      options: { parsing: false, scales: { x: { title: { display: true, text: 'observed' } }, y: { title: { display: true, text: 'predicted (left out)' } } } },
    },
    p.loo.length,
    'leave-one-out predicted against observed values',
  );
  return el('section', { class: 'card' }, el('h2', {}, 'Leave-one-out: predicted vs observed'), canvas, el('p', { class: 'muted small' }, `${p.loo.length} runs, RMSE ${fmt(rmse, 3)}. Points near the dashed line mean the model predicts runs it has not seen.`));
}

function rankChart(snapshot: StudySnapshot, p: PosteriorView): HTMLElement {
  if (p.rankCorrelation.length === 0) return emptyNote('Rank agreement needs runs at more than one model size.');
  const t = theme();
  const canvas = chart(
    'rank-chart',
    {
      type: 'bar',
      data: { labels: p.rankCorrelation.map((r) => `${r.model} (${r.pairs} ${r.basis})`), datasets: [{ label: 'Spearman ρ with the target', data: p.rankCorrelation.map((r) => r.spearman), backgroundColor: p.rankCorrelation.map((r) => withAlpha(r.spearman >= 0.5 ? t.green : r.spearman >= 0 ? t.series[4]! : t.red, 0.75)) }] },
      options: { scales: { y: { min: -1, max: 1, title: { display: true, text: 'Spearman ρ with the target' } } }, plugins: { legend: { display: false } } },
    },
    p.rankCorrelation.length,
    'rank correlation of each model size with the target model',
    200,
  );
  const target = snapshot.target.model;
  const lines = p.rankCorrelation.map((r) => `${r.model}: ρ = ${fmt(r.spearman, 2)} over ${r.pairs} mixtures${r.basis === 'predicted' ? ` (${target} values predicted, not run)` : ' (both measured)'}`);
  return el(
    'section',
    { class: 'card' },
    el('h2', {}, 'Do small models rank mixtures like the target?'),
    canvas,
    el('p', { class: 'muted small' }, `Spearman rank correlation between each size's measured values and ${target}'s, mixture by mixture. ${lines.join('; ')}. Near 1: picking mixtures on the small model is safe; near 0 or below: it is not.`),
    p.transfer ? el('p', { class: p.transfer.smallerSizesHelp ? 'small' : 'small warn', id: 'transfer-check' }, transferLine(target, p.transfer)) : undefined,
  );
}

function transferLine(target: string, t: NonNullable<PosteriorView['transfer']>): string {
  const scores = `mean leave-one-out log density of its ${t.targetRuns} runs: ${fmt(t.withCheap, 2)} with the smaller sizes, ${fmt(t.targetOnly, 2)} from ${target} runs alone`;
  return t.smallerSizesHelp
    ? `Left out one at a time, ${target} runs are predicted better with the smaller sizes than without (${scores}).`
    : `Left out one at a time, ${target} runs are predicted no better with the smaller sizes (${scores}): here they tell little about ${target}, so MixOpt suggests ${target} runs only and recommends from the ${target} runs alone.`;
}

function importanceChart(p: PosteriorView): HTMLElement {
  if (p.domainImportance.length === 0) return emptyNote('No domain importance available.');
  const sorted = [...p.domainImportance].sort((a, b) => b.importance - a.importance);
  const canvas = chart(
    'importance-chart',
    {
      type: 'bar',
      data: { labels: sorted.map((x) => x.domain), datasets: [{ label: 'importance', data: sorted.map((x) => x.importance), backgroundColor: withAlpha(theme().series[3]!, 0.75) }] },
      options: { indexAxis: 'y', plugins: { legend: { display: false } } },
    },
    sorted.length,
    'importance of each domain for the objective',
    Math.max(200, 18 * sorted.length + 40),
  );
  const basis =
    p.importanceBasis === 'ard'
      ? 'From the per-domain lengthscales of the mixture kernel (1/lengthscale, normalised): a short lengthscale means the objective changes fast with that weight.'
      : 'How far the predicted target value moves along each domain’s slice through the recommendation (normalised). Set optimizer.ard: true for per-domain lengthscales instead.';
  return el('section', { class: 'card' }, el('h2', {}, 'Domain importance'), canvas, el('p', { class: 'muted small' }, basis));
}

function perDomainTable(snapshot: StudySnapshot, p: PosteriorView): HTMLElement {
  if (p.perDomain.length === 0) return emptyNote('Per-domain metrics appear when the objective aggregates several metrics.');
  const worse = p.perDomain.filter((x) => x.worse).length;
  return el(
    'section',
    { class: 'card' },
    el('h2', {}, 'Per-domain metrics: recommendation vs best observed run', worse > 0 ? el('vscode-badge', { variant: 'counter', title: 'domains predicted to get worse' }, String(worse)) : undefined),
    el(
      'table',
      { id: 'per-domain', class: 'grid' },
      el('thead', {}, el('tr', {}, el('th', {}, 'Metric'), el('th', { class: 'num' }, 'Recommended (predicted, 95%)'), el('th', { class: 'num' }, `Best observed ${snapshot.target.model}`), el('th', {}, ''))),
      el(
        'tbody',
        {},
        ...p.perDomain.map((x) =>
          el(
            'tr',
            { class: x.worse ? 'worse' : '' },
            el('td', {}, x.metric),
            el('td', { class: 'num' }, fmt(x.recommended), x.lower !== undefined && x.upper !== undefined ? el('span', { class: 'muted' }, ` (${fmt(x.lower, 3)}–${fmt(x.upper, 3)})`) : undefined),
            el('td', { class: 'num' }, fmt(x.bestObserved)),
            el('td', {}, x.worse ? el('span', { class: 'flag', title: 'predicted worse than the best observed run' }, el('span', { class: 'codicon codicon-warning' }), ' worse') : ''),
          ),
        ),
      ),
    ),
    el('p', { class: 'muted small' }, `Each metric has its own model (log scale) fitted to the highest-fidelity runs; with ${snapshot.trials.filter((t) => t.model === snapshot.target.model && t.value !== undefined).length} ${snapshot.target.model} runs observed, read the intervals before the flags.`),
    p.perDomainAggregate
      ? el(
          'p',
          { class: 'muted small', id: 'per-domain-aggregate' },
          `Aggregated like the objective, these per-domain predictions give ${fmt(p.perDomainAggregate.fromDomains)}; the headline model says ${fmt(p.perDomainAggregate.headline)}.`,
          Math.abs(p.perDomainAggregate.fromDomains - p.perDomainAggregate.headline) > 0.01 * Math.abs(p.perDomainAggregate.headline)
            ? ' They differ because each per-domain model is fitted on its own to the highest-fidelity runs only, while the headline model uses every run: trust the headline for the objective and the rows for the direction of each domain.'
            : '',
        )
      : undefined,
  );
}

function render(snapshot: StudySnapshot | undefined, status: { busy?: string; error?: string }): void {
  const app = document.getElementById('app')!;
  const parts: (Node | undefined)[] = [header('Posterior', snapshot), statusLine(status)];
  const p = snapshot?.posterior;
  if (!snapshot || !p) {
    parts.push(
      emptyNote(status.busy ? 'Fitting the model…' : 'The model has not been fitted yet.'),
      status.busy ? undefined : el('div', { class: 'actions' }, button('Fit the model', () => send({ method: 'refresh' }), { icon: 'refresh' })),
    );
  } else {
    const hyper = Object.entries(p.hyperparameters).map(([k, v]) => `${k} ${fmt(v, 3)}`).join(' · ');
    parts.push(
      recommendationCard(snapshot),
      el('div', { class: 'two' }, slicesChart(snapshot, p), looChart(snapshot, p)),
      el('div', { class: 'two' }, rankChart(snapshot, p), importanceChart(p)),
      perDomainTable(snapshot, p),
      el('p', { class: 'muted small' }, `Fitted to ${p.observations} observations in ${fmt(p.fitSeconds, 3)} s; ${optimisedNote(p)} ${hyper}`),
      el('div', { class: 'actions' }, button('Refit', () => send({ method: 'refresh', reoptimise: true }), { secondary: true, icon: 'refresh' }), button('Next trial', () => send({ method: 'openPanel', panel: 'next' }), { secondary: true, icon: 'lightbulb' })),
    );
  }
  app.replaceChildren(...parts.filter((x): x is Node => x !== undefined));
}

function optimisedNote(p: PosteriorView): string {
  if (p.reoptimised) return 'hyperparameters re-optimised in this fit.';
  return `hyperparameters as optimised on ${p.optimisedOn} observations (re-optimised once the data change by more than 5%, or with Refit).`;
}

startPanel({ render });
