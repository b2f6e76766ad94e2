// The three webview panels (Next trial, Posterior, Budget): one class, one bundle per kind. Strict CSP with a
// nonce, local resources only, typed messages (src/protocol/messages.ts) validated on arrival, a ready
// handshake (posts are queued until the webview says ready), and a serializer so panels return after reload.
import * as vscode from 'vscode';
import { randomBytes } from 'node:crypto';
import type { HostNotification, PanelKind, PanelState, WebviewCommand } from '../protocol/messages';
import { isPanelState, isWebviewCommand } from '../protocol/messages';
import type { StudySnapshot } from '../protocol/snapshot';

const TITLES: Record<PanelKind, string> = { next: 'MixOpt: Next trial', posterior: 'MixOpt: Posterior', budget: 'MixOpt: Budget' };
const VIEW_TYPES: Record<PanelKind, string> = { next: 'mixopt.nextTrial', posterior: 'mixopt.posterior', budget: 'mixopt.budget' };

export interface PanelHost {
  readonly extensionUri: vscode.Uri;
  onCommand(panel: MixOptPanel, command: WebviewCommand): void | Promise<void>;
  snapshotFor(studyFile: string | undefined): StudySnapshot | undefined;
}

export class MixOptPanel implements vscode.Disposable {
  private static readonly open = new Map<PanelKind, MixOptPanel>();
  private ready = false;
  private markReady: () => void = () => undefined;
  /** Resolves when the webview has loaded and said it is ready (at once for a panel that already has). */
  readonly whenReady: Promise<void> = new Promise((resolve) => (this.markReady = resolve));
  private queue: HostNotification[] = [];
  private readonly disposables: vscode.Disposable[] = [];
  studyFile: string | undefined;

  static createOrShow(kind: PanelKind, host: PanelHost, studyFile: string | undefined): MixOptPanel {
    const existing = MixOptPanel.open.get(kind);
    if (existing) {
      existing.studyFile = studyFile ?? existing.studyFile;
      existing.panel.reveal(existing.panel.viewColumn ?? vscode.ViewColumn.One, false);
      return existing;
    }
    const panel = vscode.window.createWebviewPanel(VIEW_TYPES[kind], TITLES[kind], vscode.ViewColumn.One, MixOptPanel.options(host.extensionUri));
    return new MixOptPanel(kind, panel, host, studyFile);
  }

  static revive(kind: PanelKind, panel: vscode.WebviewPanel, host: PanelHost, state: unknown): MixOptPanel {
    panel.webview.options = MixOptPanel.options(host.extensionUri);
    return new MixOptPanel(kind, panel, host, isPanelState(state) ? state.studyFile : undefined);
  }

  static get(kind: PanelKind): MixOptPanel | undefined {
    return MixOptPanel.open.get(kind);
  }

  static all(): MixOptPanel[] {
    return [...MixOptPanel.open.values()];
  }

  static registerSerializers(host: PanelHost): vscode.Disposable[] {
    return (Object.keys(VIEW_TYPES) as PanelKind[]).map((kind) =>
      vscode.window.registerWebviewPanelSerializer(VIEW_TYPES[kind], {
        deserializeWebviewPanel(panel: vscode.WebviewPanel, state: unknown): Promise<void> {
          const p = MixOptPanel.revive(kind, panel, host, state);
          const snap = host.snapshotFor(p.studyFile);
          if (snap) p.post({ method: 'snapshot', snapshot: snap, busy: false });
          return Promise.resolve();
        },
      }),
    );
  }

  private static options(extensionUri: vscode.Uri): vscode.WebviewPanelOptions & vscode.WebviewOptions {
    return {
      enableScripts: true,
      retainContextWhenHidden: true,
      localResourceRoots: [vscode.Uri.joinPath(extensionUri, 'dist', 'webview'), vscode.Uri.joinPath(extensionUri, 'media')],
    };
  }

  private constructor(
    readonly kind: PanelKind,
    readonly panel: vscode.WebviewPanel,
    private readonly host: PanelHost,
    studyFile: string | undefined,
  ) {
    this.studyFile = studyFile;
    MixOptPanel.open.set(kind, this);
    panel.iconPath = vscode.Uri.joinPath(host.extensionUri, 'media', 'mixopt.svg');
    panel.webview.html = this.html();
    this.disposables.push(
      panel.onDidDispose(() => this.dispose()),
      panel.webview.onDidReceiveMessage((m: unknown) => {
        if (!isWebviewCommand(m)) return; // anything else is dropped: the webview is not trusted input
        if (m.method === 'ready') {
          this.ready = true;
          this.markReady();
          const queued = this.queue;
          this.queue = [];
          for (const q of queued) void panel.webview.postMessage(q);
          if (queued.length === 0) {
            const snap = host.snapshotFor(this.studyFile);
            if (snap) void panel.webview.postMessage({ method: 'snapshot', snapshot: snap, busy: false } satisfies HostNotification);
          }
          return;
        }
        void host.onCommand(this, m);
      }),
    );
  }

  post(message: HostNotification): void {
    if (!this.ready) {
      // keep only the latest snapshot
      this.queue = [...this.queue.filter((q) => q.method !== message.method), message];
      return;
    }
    void this.panel.webview.postMessage(message);
  }

  private html(): string {
    const webview = this.panel.webview;
    const nonce = randomBytes(16).toString('base64');
    const base = vscode.Uri.joinPath(this.host.extensionUri, 'dist', 'webview');
    const script = webview.asWebviewUri(vscode.Uri.joinPath(base, `${this.kind}.panel.js`));
    const codicons = webview.asWebviewUri(vscode.Uri.joinPath(base, 'codicon.css'));
    const styles = webview.asWebviewUri(vscode.Uri.joinPath(base, 'panel.css'));
    const state: PanelState = { ...(this.studyFile ? { studyFile: this.studyFile } : {}) };
    return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="UTF-8">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; img-src ${webview.cspSource} data:; style-src ${webview.cspSource} 'unsafe-inline'; font-src ${webview.cspSource}; script-src 'nonce-${nonce}';">
<meta name="viewport" content="width=device-width, initial-scale=1.0">
<link rel="stylesheet" href="${codicons.toString()}" id="vscode-codicon-stylesheet">
<link rel="stylesheet" href="${styles.toString()}">
<title>${TITLES[this.kind]}</title>
</head>
<body data-panel="${this.kind}" data-initial-state="${encodeURIComponent(JSON.stringify(state))}">
<main id="app"><p class="muted">Loading…</p></main>
<script type="module" nonce="${nonce}" src="${script.toString()}"></script>
</body>
</html>`;
  }

  dispose(): void {
    this.markReady(); // nothing waits for a panel that is gone
    if (MixOptPanel.open.get(this.kind) === this) MixOptPanel.open.delete(this.kind);
    for (const d of this.disposables) d.dispose();
    this.disposables.length = 0;
  }
}
