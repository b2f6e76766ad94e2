// Typed messages between the extension host and the panels (GitLens-style IPC): commands go webview -> host,
// notifications host -> webview. Both sides import this file; every message from a webview is checked by
// isWebviewCommand before the host acts on it.
import type { StudySnapshot } from './snapshot';

export type PanelKind = 'next' | 'posterior' | 'budget';

/** Host -> webview. */
export type HostNotification =
  | { readonly method: 'snapshot'; readonly snapshot: StudySnapshot; readonly busy: boolean }
  | { readonly method: 'busy'; readonly message: string }
  | { readonly method: 'error'; readonly message: string };

/** Webview -> host. */
export type WebviewCommand =
  | { readonly method: 'ready' }
  | { readonly method: 'accept'; readonly suggestionId: string }
  | { readonly method: 'skip'; readonly suggestionId: string }
  | { readonly method: 'suggest'; readonly batch: number }
  /** re-read and fit; `reoptimise` also re-optimises the hyperparameters (the Posterior panel's Refit) */
  | { readonly method: 'refresh'; readonly reoptimise?: boolean }
  | { readonly method: 'openPanel'; readonly panel: PanelKind };

/** State a panel keeps across reloads (vscode.setState) and the host gets back in the serializer. */
export interface PanelState {
  readonly studyFile?: string;
  readonly batch?: number;
}

const isObject = (x: unknown): x is Record<string, unknown> => typeof x === 'object' && x !== null && !Array.isArray(x);
const ID = /^[A-Za-z0-9_.:-]{1,128}$/;

export function isWebviewCommand(x: unknown): x is WebviewCommand {
  if (!isObject(x) || typeof x['method'] !== 'string') return false;
  switch (x['method']) {
    case 'ready':
      return Object.keys(x).length === 1;
    case 'refresh':
      return Object.keys(x).every((k) => k === 'method' || k === 'reoptimise') && (x['reoptimise'] === undefined || typeof x['reoptimise'] === 'boolean');
    case 'accept':
    case 'skip':
      return typeof x['suggestionId'] === 'string' && ID.test(x['suggestionId']);
    case 'suggest':
      return typeof x['batch'] === 'number' && Number.isInteger(x['batch']) && x['batch'] >= 1 && x['batch'] <= 16;
    case 'openPanel':
      return x['panel'] === 'next' || x['panel'] === 'posterior' || x['panel'] === 'budget';
    default:
      return false;
  }
}

export function isHostNotification(x: unknown): x is HostNotification {
  if (!isObject(x)) return false;
  switch (x['method']) {
    case 'snapshot':
      return isObject(x['snapshot']) && typeof x['busy'] === 'boolean';
    case 'busy':
    case 'error':
      return typeof x['message'] === 'string';
    default:
      return false;
  }
}

export function isPanelState(x: unknown): x is PanelState {
  return isObject(x) && (x['studyFile'] === undefined || typeof x['studyFile'] === 'string') && (x['batch'] === undefined || typeof x['batch'] === 'number');
}
