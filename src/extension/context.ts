// What the command modules share: the long-lived services created in activate() (one object, passed to each
// command module), and small helpers used by several of them.
import type * as vscode from 'vscode';
import type { EngineClient } from './engineClient';
import type { JobTracker } from './jobs';
import type { MixtureCodeLens } from './codeLens';
import type { PanelHost } from './panels';
import type { Studies } from './studies';
import type { TreeNode, TrialsTree } from './tree';

export interface MixOptContext {
  readonly extension: vscode.ExtensionContext;
  readonly log: vscode.LogOutputChannel;
  readonly engine: EngineClient;
  readonly studies: Studies;
  readonly tree: TrialsTree;
  readonly treeView: vscode.TreeView<TreeNode>;
  readonly codeLens: MixtureCodeLens;
  readonly panelHost: PanelHost;
  readonly jobs: JobTracker;
  /** who writes ledger events from this window */
  readonly actor: string;
}

export type TrialNode = Extract<TreeNode, { kind: 'trial' }>;

export const isTrialNode = (x: unknown): x is TrialNode => typeof x === 'object' && x !== null && (x as { kind?: unknown }).kind === 'trial';

export const errorText = (e: unknown): string => (e instanceof Error ? e.message : String(e));

export function firstLine(text: string): string {
  return text.split('\n')[0] ?? text;
}
