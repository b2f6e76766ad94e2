// What the three panels share: the typed channel to the host, theme colours, Chart.js set-up and small DOM
// helpers. Everything from the host is checked with isHostNotification before it is used.
import type { ChartConfiguration } from 'chart.js';
import {
  BarController,
  BarElement,
  CategoryScale,
  Chart,
  Filler,
  Legend,
  LinearScale,
  LineController,
  LineElement,
  PointElement,
  ScatterController,
  Tooltip,
} from 'chart.js';
import '@vscode-elements/elements/dist/vscode-button/index.js';
import '@vscode-elements/elements/dist/vscode-badge/index.js';
import '@vscode-elements/elements/dist/vscode-progress-ring/index.js';
import '@vscode-elements/elements/dist/vscode-single-select/index.js';
import '@vscode-elements/elements/dist/vscode-option/index.js';
import '@vscode-elements/elements/dist/vscode-textfield/index.js';
import '@vscode-elements/elements/dist/vscode-divider/index.js';
import type { HostNotification, PanelState, WebviewCommand } from '../src/protocol/messages';
import { isHostNotification, isPanelState } from '../src/protocol/messages';
import type { StudySnapshot } from '../src/protocol/snapshot';

Chart.register(BarController, BarElement, CategoryScale, Filler, Legend, LinearScale, LineController, LineElement, PointElement, ScatterController, Tooltip);

interface VsCodeApi {
  postMessage(message: WebviewCommand): void;
  getState(): unknown;
  setState(state: PanelState): void;
}
declare function acquireVsCodeApi(): VsCodeApi;

const api = acquireVsCodeApi();

export function send(command: WebviewCommand): void {
  api.postMessage(command);
}

export function savedState(): PanelState {
  const s = api.getState();
  if (isPanelState(s)) return s;
  const initial = document.body.dataset['initialState'];
  try {
    const parsed: unknown = initial ? JSON.parse(decodeURIComponent(initial)) : {};
    return isPanelState(parsed) ? parsed : {};
  } catch {
    return {};
  }
}

export function saveState(state: PanelState): void {
  api.setState(state);
}

export interface PanelView {
  /** render the snapshot (busy: a newer one is being computed) */
  render(snapshot: StudySnapshot | undefined, status: { busy?: string; error?: string }): void;
}

/** Connects a panel to the host: renders each snapshot, shows busy/error states, re-renders on theme change. */
export function startPanel(view: PanelView): void {
  let snapshot: StudySnapshot | undefined;
  let status: { busy?: string; error?: string } = {};
  const draw = (): void => {
    try {
      view.render(snapshot, status);
    } catch (e) {
      const app = document.getElementById('app');
      if (app) app.replaceChildren(el('p', { class: 'error' }, `This panel failed to render: ${e instanceof Error ? e.message : String(e)}`));
    }
    // The E2E test waits for this flag before reading the panel.
    document.body.dataset['ready'] = snapshot ? 'true' : 'false';
  };
  window.addEventListener('message', (event: MessageEvent<unknown>) => {
    const message: unknown = event.data;
    if (!isHostNotification(message)) return;
    handle(message);
  });
  const handle = (m: HostNotification): void => {
    if (m.method === 'snapshot') {
      snapshot = m.snapshot;
      status = m.busy ? { busy: 'Updating…' } : {};
      saveState({ ...savedState(), studyFile: m.snapshot.studyFile });
    } else if (m.method === 'busy') status = { busy: m.message };
    else status = { error: m.message };
    draw();
  };
  new MutationObserver(() => draw()).observe(document.body, { attributes: true, attributeFilter: ['class'] });
  draw();
  send({ method: 'ready' });
}

// ---- DOM ----

type Child = Node | string | undefined | false;
export function el<K extends keyof HTMLElementTagNameMap>(tag: K, attrs?: Record<string, string | number | undefined>, ...children: Child[]): HTMLElementTagNameMap[K];
export function el(tag: string, attrs?: Record<string, string | number | undefined>, ...children: Child[]): HTMLElement;
export function el(tag: string, attrs: Record<string, string | number | undefined> = {}, ...children: Child[]): HTMLElement {
  const node = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) if (v !== undefined) node.setAttribute(k, String(v));
  for (const c of children) if (c !== undefined && c !== false) node.append(c);
  return node;
}

export { fmt } from '../src/protocol/format';

export const pct = (w: number): string => `${(w * 100).toFixed(w < 0.1 ? 2 : 1)}%`;

/** The busy / error line above a panel's content. */
export function statusLine(status: { busy?: string; error?: string }): HTMLElement | undefined {
  if (status.error) return el('div', { class: 'banner error', role: 'alert' }, el('span', { class: 'codicon codicon-error' }), ` ${status.error}`);
  if (status.busy) return el('div', { class: 'banner busy', role: 'status' }, el('vscode-progress-ring', { class: 'ring' }), ` ${status.busy}`);
  return undefined;
}

export function header(title: string, snapshot: StudySnapshot | undefined): HTMLElement {
  return el(
    'header',
    {},
    el('h1', {}, title),
    snapshot ? el('p', { class: 'muted' }, `${snapshot.name} · ${snapshot.objectiveLabel} (${snapshot.direction}) · target ${snapshot.target.model}${snapshot.target.steps > 1 ? ` @ ${snapshot.target.steps} steps` : ''} · updated ${new Date(snapshot.computedAt).toLocaleTimeString()}`) : undefined,
  );
}

export function button(label: string, onClick: () => void, options: { id?: string; secondary?: boolean; icon?: string; title?: string } = {}): HTMLElement {
  const b = el('vscode-button', { id: options.id, icon: options.icon, title: options.title, ...(options.secondary ? { secondary: '' } : {}) }, label);
  b.addEventListener('click', onClick);
  return b;
}

// ---- theme and charts ----

export function cssVar(name: string, fallback: string): string {
  const v = getComputedStyle(document.body).getPropertyValue(name).trim();
  return v || fallback;
}

export interface Theme {
  readonly foreground: string;
  readonly muted: string;
  readonly grid: string;
  readonly series: readonly string[];
  readonly red: string;
  readonly green: string;
  readonly font: string;
}

export function theme(): Theme {
  return {
    foreground: cssVar('--vscode-foreground', '#cccccc'),
    muted: cssVar('--vscode-descriptionForeground', '#999999'),
    grid: cssVar('--vscode-editorWidget-border', 'rgba(128,128,128,0.35)'),
    series: [
      cssVar('--vscode-charts-blue', '#3794ff'),
      cssVar('--vscode-charts-orange', '#d18616'),
      cssVar('--vscode-charts-green', '#89d185'),
      cssVar('--vscode-charts-purple', '#b180d7'),
      cssVar('--vscode-charts-yellow', '#cca700'),
      cssVar('--vscode-charts-red', '#f14c4c'),
    ],
    red: cssVar('--vscode-charts-red', '#f14c4c'),
    green: cssVar('--vscode-charts-green', '#89d185'),
    font: cssVar('--vscode-font-family', 'sans-serif'),
  };
}

/** Colour with alpha, for bands and fills (works for #rgb, #rrggbb and rgb()). */
export function withAlpha(color: string, alpha: number): string {
  const hex = /^#([0-9a-f]{3}|[0-9a-f]{6})$/i.exec(color.trim());
  if (hex) {
    const h = hex[1]!.length === 3 ? [...hex[1]!].map((c) => c + c).join('') : hex[1]!;
    const [r, g, b] = [0, 2, 4].map((i) => parseInt(h.slice(i, i + 2), 16));
    return `rgba(${r}, ${g}, ${b}, ${alpha})`;
  }
  const rgb = /^rgba?\(([^)]+)\)$/.exec(color.trim());
  if (rgb) {
    const [r, g, b] = rgb[1]!.split(',').map((x) => x.trim());
    return `rgba(${r}, ${g}, ${b}, ${alpha})`;
  }
  return color;
}

type AnyChart = Chart<'line' | 'bar' | 'scatter'>;
const charts = new Map<string, AnyChart>();

/**
 * A chart in a fresh canvas with the given id (replacing the previous chart of that id). `points` is the number
 * of data points plotted, kept on the canvas as data-points so tests and screen readers can tell it has data.
 */
export function chart(id: string, config: ChartConfiguration<'line' | 'bar' | 'scatter'>, points: number, label: string, height = 260): HTMLElement {
  charts.get(id)?.destroy();
  const canvas = el('canvas', { id, 'data-points': points, role: 'img', 'aria-label': label });
  const box = el('div', { class: 'chart', style: `height:${height}px` }, canvas);
  const t = theme();
  Chart.defaults.color = t.muted;
  Chart.defaults.borderColor = withAlpha(t.grid, 0.6);
  Chart.defaults.font.family = t.font;
  // the canvas must be in the document before Chart.js measures it
  queueMicrotask(() => {
    if (!canvas.isConnected) return;
    charts.set(id, new Chart(canvas, { ...config, options: { animation: false, responsive: true, maintainAspectRatio: false, ...config.options } }));
  });
  return box;
}

export function emptyNote(text: string): HTMLElement {
  return el('p', { class: 'muted empty' }, text);
}
