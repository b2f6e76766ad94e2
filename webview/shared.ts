// What the three panels share: the typed channel to the host and small DOM helpers. Everything from the host is
// checked with isHostNotification before it is used. Chart.js and the theme colours are in charts.ts, imported only
// by the panels that draw charts (the Next trial panel loads without Chart.js's 380 KB).
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

export function emptyNote(text: string): HTMLElement {
  return el('p', { class: 'muted empty' }, text);
}
