// CodeLens above the mixture key of the study's config template and of generated configs: fill it with the
// suggested or the recommended mixture, as one undoable edit that changes only the mixture.
import * as vscode from 'vscode';
import { readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { findMixtureKeyRange, readTrialId, renderConfig } from '../configgen/render';
import { parseStudy } from '../study/parse';
import type { Study } from '../study/types';
import type { Studies } from './studies';

export class MixtureCodeLens implements vscode.CodeLensProvider {
  private readonly emitter = new vscode.EventEmitter<void>();
  readonly onDidChangeCodeLenses = this.emitter.event;

  constructor(private readonly studies: Studies) {}

  refresh(): void {
    this.emitter.fire();
  }

  /** The study whose template or generated configs this document is. */
  studyFor(document: vscode.TextDocument): { studyFile: string; study: Study } | undefined {
    const path = document.uri.fsPath;
    for (const studyFile of this.studies.list()) {
      const snap = this.studies.snapshot(studyFile);
      if (!snap) continue;
      let study: Study | undefined;
      try {
        const doc = vscode.workspace.textDocuments.find((d) => d.uri.fsPath === studyFile);
        study = parseStudy(doc ? doc.getText() : readFileSync(studyFile, 'utf8'), studyFile).study;
      } catch {
        study = undefined;
      }
      if (!study?.config) continue;
      const dir = dirname(studyFile);
      const template = resolve(dir, study.config.template);
      const outputDir = dirname(resolve(dir, study.config.output.replace('{trial}', 'x')));
      if (path === template || (path.startsWith(outputDir) && readTrialId(document.getText()) !== undefined)) return { studyFile, study };
    }
    return undefined;
  }

  provideCodeLenses(document: vscode.TextDocument): vscode.CodeLens[] {
    const owner = this.studyFor(document);
    if (!owner?.study.config) return [];
    const range = findMixtureKeyRange(document.getText(), owner.study.config.mixtureKey);
    if (!range) return [];
    const at = new vscode.Range(range.startLine, 0, range.startLine, 0);
    return [
      new vscode.CodeLens(at, { title: '$(lightbulb) Fill with suggested mixture', command: 'mixopt.fillMixture', arguments: [document.uri, 'suggested'] }),
      new vscode.CodeLens(at, { title: '$(star) Fill with recommended mixture', command: 'mixopt.fillMixture', arguments: [document.uri, 'recommended'] }),
    ];
  }

  /** Replaces only the mixture block with the rendered one (one WorkspaceEdit: a single undo step). */
  async fill(uri: vscode.Uri, mixture: Record<string, number>, trialId: string): Promise<boolean> {
    const document = await vscode.workspace.openTextDocument(uri);
    const owner = this.studyFor(document);
    if (!owner?.study.config) return false;
    const text = document.getText();
    const rendered = renderConfig(text, uri.fsPath, { study: owner.study, mixture, trialId });
    if (rendered.text === undefined) {
      void vscode.window.showErrorMessage(`MixOpt: ${rendered.diagnostics.map((d) => d.message).join('; ')}`);
      return false;
    }
    const before = findMixtureKeyRange(text, owner.study.config.mixtureKey);
    // The rendered text starts with a header comment line; find the mixture block in it.
    const after = findMixtureKeyRange(rendered.text, owner.study.config.mixtureKey);
    if (!before || !after) return false;
    const newLines = rendered.text.split(/\r?\n/).slice(after.startLine, after.endLine + 1);
    const eol = document.eol === vscode.EndOfLine.CRLF ? '\r\n' : '\n';
    const edit = new vscode.WorkspaceEdit();
    edit.replace(uri, new vscode.Range(before.startLine, 0, before.endLine, document.lineAt(before.endLine).text.length), newLines.join(eol));
    return vscode.workspace.applyEdit(edit);
  }
}
