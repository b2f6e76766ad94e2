// The trials tree: studies, then trials grouped by status, each with fidelity, metric and cost.
import * as vscode from 'vscode';
import { basename } from 'node:path';
import type { TrialStatus, TrialView } from '../protocol/snapshot';
import { groupTrials, JOB_ICONS, STATUS_GROUPS, trialContextValue, trialDescription, trialTooltip } from './logic';
import type { Studies } from './studies';

export type TreeNode =
  | { readonly kind: 'study'; readonly studyFile: string }
  | { readonly kind: 'group'; readonly studyFile: string; readonly status: TrialStatus; readonly label: string; readonly icon: string; readonly count: number }
  | { readonly kind: 'trial'; readonly studyFile: string; readonly trial: TrialView };

const MAX_SHOWN = 500;

export class TrialsTree implements vscode.TreeDataProvider<TreeNode> {
  private readonly emitter = new vscode.EventEmitter<TreeNode | undefined>();
  readonly onDidChangeTreeData = this.emitter.event;

  constructor(private readonly studies: Studies) {}

  refresh(): void {
    this.emitter.fire(undefined);
  }

  getChildren(node?: TreeNode): TreeNode[] {
    if (!node) return this.studies.list().map((studyFile) => ({ kind: 'study', studyFile }));
    if (node.kind === 'study') {
      const snap = this.studies.snapshot(node.studyFile);
      if (!snap) return [];
      const groups = groupTrials(snap.trials);
      return STATUS_GROUPS.filter((g) => groups.has(g.status)).map((g) => this.groupNode(node.studyFile, g.status));
    }
    if (node.kind === 'group') {
      const snap = this.studies.snapshot(node.studyFile);
      const trials = groupTrials(snap?.trials ?? []).get(node.status) ?? [];
      return trials.slice(0, MAX_SHOWN).map((trial) => ({ kind: 'trial', studyFile: node.studyFile, trial }));
    }
    return [];
  }

  getParent(node: TreeNode): TreeNode | undefined {
    if (node.kind === 'study') return undefined;
    if (node.kind === 'group') return { kind: 'study', studyFile: node.studyFile };
    return this.groupNode(node.studyFile, node.trial.status);
  }

  /** The tree node of a trial (to reveal it), if the study has been read. */
  trialNode(studyFile: string, trialId: string): TreeNode | undefined {
    const trial = this.studies.snapshot(studyFile)?.trials.find((t) => t.id === trialId);
    return trial ? { kind: 'trial', studyFile, trial } : undefined;
  }

  private groupNode(studyFile: string, status: TrialStatus): TreeNode {
    const g = STATUS_GROUPS.find((x) => x.status === status);
    const count = groupTrials(this.studies.snapshot(studyFile)?.trials ?? []).get(status)?.length ?? 0;
    return { kind: 'group', studyFile, status, label: g?.label ?? status, icon: g?.icon ?? 'circle-outline', count };
  }

  getTreeItem(node: TreeNode): vscode.TreeItem {
    if (node.kind === 'study') {
      const snap = this.studies.snapshot(node.studyFile);
      const item = new vscode.TreeItem(snap?.name ?? basename(node.studyFile), vscode.TreeItemCollapsibleState.Expanded);
      item.description = snap ? `${snap.trials.length} trials · ${snap.budget.used.toPrecision(3)}/${snap.budget.total} ${snap.budget.unit}` : 'not analysed yet';
      item.iconPath = new vscode.ThemeIcon(snap?.diagnostics.some((d) => d.severity === 'error' && d.file === node.studyFile) ? 'warning' : 'beaker');
      item.resourceUri = vscode.Uri.file(node.studyFile);
      item.contextValue = 'study';
      item.id = node.studyFile;
      item.command = { command: 'vscode.open', title: 'Open study', arguments: [vscode.Uri.file(node.studyFile)] };
      return item;
    }
    if (node.kind === 'group') {
      const open = node.status === 'pending' || node.status === 'suggested' || node.status === 'running';
      const item = new vscode.TreeItem(node.label, open ? vscode.TreeItemCollapsibleState.Expanded : vscode.TreeItemCollapsibleState.Collapsed);
      item.description = node.count > MAX_SHOWN ? `${node.count} (first ${MAX_SHOWN} shown)` : String(node.count);
      item.iconPath = new vscode.ThemeIcon(node.icon);
      item.contextValue = `group.${node.status}`;
      item.id = `${node.studyFile}#group.${node.status}`;
      return item;
    }
    const snap = this.studies.snapshot(node.studyFile);
    const t = node.trial;
    const item = new vscode.TreeItem(t.id, vscode.TreeItemCollapsibleState.None);
    item.id = `${node.studyFile}#${t.id}`;
    item.description = trialDescription(t, snap?.budget.unit ?? '');
    item.tooltip = snap ? new vscode.MarkdownString(trialTooltip(t, snap, vscode.workspace.isTrusted)) : t.id;
    item.contextValue = trialContextValue(t);
    const jobIcon = t.job?.state ? JOB_ICONS[t.job.logsMissing ? 'logs-missing' : t.job.state] : undefined;
    item.iconPath = new vscode.ThemeIcon(jobIcon ?? STATUS_GROUPS.find((g) => g.status === t.status)?.icon ?? 'circle-outline');
    if (t.configPath) item.command = { command: 'mixopt.openConfig', title: 'Open config', arguments: [node] };
    return item;
  }
}
