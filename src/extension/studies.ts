// The studies of the workspace and their latest snapshots. Refits run in the engine's worker, only when an
// input changed (watchers on studies, runs and ledgers, debounced), with cancellable progress for long fits.
import * as vscode from 'vscode';
import { readdir } from 'node:fs/promises';
import { dirname, join, relative } from 'node:path';
import type { StudySnapshot, SuggestionView } from '../protocol/snapshot';
import type { EngineClient } from './engineClient';
import { EngineCancelledError } from './engineClient';
import { carryOver } from './logic';

export interface RefreshOptions {
  /** number of suggestions to compute */
  readonly suggest?: number;
  /** record the suggestions in the ledger (an explicit "Suggest" by the user) */
  readonly record?: boolean;
  /** show progress even for quick fits */
  readonly interactive?: boolean;
  /** fit the model (default true); false only reads the study, runs and ledger */
  readonly fit?: boolean;
  /** re-optimise the hyperparameters even if the data changed little */
  readonly reoptimise?: boolean;
  /** an automatic re-read (file watcher, start-up): may share the result of a request already running */
  readonly coalesce?: boolean;
  /** compute the Posterior panel's diagnostics (default: whenever the model is fitted) */
  readonly diagnostics?: boolean;
  /** no progress notification, however long it takes (the background fit on opening) */
  readonly quiet?: boolean;
  /** 'kept': only a recommendation the engine kept from the same model; when there is none, one follows in the background */
  readonly recommend?: 'kept';
  /** what that background recommendation waits for (the panel showing the suggestion loaded), so it does not compete with it for the CPU */
  readonly followUpAfter?: Promise<unknown>;
}

export class Studies implements vscode.Disposable {
  private readonly snapshots = new Map<string, StudySnapshot>();
  private readonly inFlight = new Map<string, { readonly strength: number; readonly promise: Promise<StudySnapshot | undefined> }>();
  private readonly controllers = new Set<AbortController>();
  private readonly timers = new Map<string, NodeJS.Timeout>();
  private readonly emitter = new vscode.EventEmitter<StudySnapshot>();
  readonly onDidChange = this.emitter.event;
  private readonly disposables: vscode.Disposable[] = [];
  private studyFiles: string[] = [];
  /** the study the user worked on last */
  current: string | undefined;

  constructor(
    private readonly engine: EngineClient,
    private readonly log: vscode.LogOutputChannel,
    private readonly diagnostics: vscode.DiagnosticCollection,
  ) {
    const watcher = vscode.workspace.createFileSystemWatcher('**/*', false, false, false);
    const onFile = (uri: vscode.Uri): void => this.onFileChanged(uri.fsPath);
    this.disposables.push(watcher, watcher.onDidChange(onFile), watcher.onDidCreate(onFile), watcher.onDidDelete(onFile), this.emitter);
  }

  dispose(): void {
    for (const t of this.timers.values()) clearTimeout(t);
    for (const c of this.controllers) c.abort();
    for (const d of this.disposables) d.dispose();
  }

  /** Finds the studies of the workspace (a file search); calls while one runs share it. */
  discover(): Promise<string[]> {
    this.discovering ??= this.search().finally(() => (this.discovering = undefined));
    return this.discovering;
  }
  private discovering: Promise<string[]> | undefined;

  private async search(): Promise<string[]> {
    const uris = await vscode.workspace.findFiles('**/*.mixopt.{yaml,yml}', '**/{node_modules,.git}/**', 50);
    this.studyFiles = uris.map((u) => u.fsPath).sort();
    if (!this.current || !this.studyFiles.includes(this.current)) this.current = this.studyFiles[0];
    void vscode.commands.executeCommand('setContext', 'mixopt.hasStudy', this.studyFiles.length > 0);
    return this.studyFiles;
  }

  /**
   * The studies at the top of the workspace folders, from one directory listing each: known at once, while the file
   * search (discover) takes a round trip through the window. Only used to start reading them early.
   */
  async topLevel(): Promise<string[]> {
    // asynchronous: this runs during activation, on the extension host's thread
    const folders = (vscode.workspace.workspaceFolders ?? []).filter((folder) => folder.uri.scheme === 'file');
    const listed = await Promise.all(
      folders.map((folder) =>
        readdir(folder.uri.fsPath).then(
          (names) => names.filter((name) => /\.mixopt\.ya?ml$/.test(name)).map((name) => join(folder.uri.fsPath, name)),
          () => [],
        ),
      ),
    );
    return listed.flat();
  }

  list(): readonly string[] {
    return this.studyFiles;
  }

  /** The latest snapshot, with what `decorate` adds (the job states of launched trials). */
  snapshot(studyFile: string): StudySnapshot | undefined {
    const snap = this.snapshots.get(studyFile);
    return snap ? this.decorate(snap) : undefined;
  }

  /** The latest snapshot as the engine returned it. */
  raw(studyFile: string): StudySnapshot | undefined {
    return this.snapshots.get(studyFile);
  }

  /** Adds live information to every snapshot handed out (set once by activate: the job tracker's states). */
  decorate: (snapshot: StudySnapshot) => StudySnapshot = (s) => s;

  /** Tells the listeners (tree, panels) that what `decorate` adds changed. */
  notify(studyFile: string): void {
    const snap = this.snapshot(studyFile);
    if (snap) this.emitter.fire(snap);
  }

  /** The study to act on: the active editor's, the only one, or the user's pick. */
  async pick(preferred?: string): Promise<string | undefined> {
    if (preferred) return preferred;
    if (this.studyFiles.length === 0) await this.discover();
    const active = vscode.window.activeTextEditor?.document.uri.fsPath;
    if (active && /\.mixopt\.ya?ml$/.test(active)) return (this.current = active);
    if (this.studyFiles.length === 1) return (this.current = this.studyFiles[0]);
    if (this.studyFiles.length === 0) {
      const choice = await vscode.window.showInformationMessage('No MixOpt study (*.mixopt.yaml) in this workspace.', 'New study');
      if (choice === 'New study') await vscode.commands.executeCommand('mixopt.newStudy');
      return undefined;
    }
    const root = vscode.workspace.workspaceFolders?.[0]?.uri.fsPath ?? '';
    const picked = await vscode.window.showQuickPick(
      this.studyFiles.map((f) => ({ label: relative(root, f) || f, description: f === this.current ? 'last used' : '', file: f })),
      { placeHolder: 'Which study?' },
    );
    if (picked) this.current = picked.file;
    return picked?.file;
  }

  private onFileChanged(path: string): void {
    if (/[\\/](node_modules|\.git)[\\/]/.test(path)) return;
    // the fit cache (.mixopt/cache/) is written by the engine's own fits: not an input to re-read
    if (/[\\/]\.mixopt[\\/]cache[\\/]/.test(path)) return;
    if (/\.mixopt\.ya?ml$/.test(path)) {
      void this.discover();
      this.schedule(path);
      return;
    }
    // A run log or a ledger in a study's folder (runs live under the study's directory).
    for (const study of this.studyFiles) {
      const dir = dirname(study);
      if (path.startsWith(dir) && !path.includes(`${dir}/configs/generated`)) this.schedule(study);
    }
  }

  private schedule(studyFile: string): void {
    const delay = vscode.workspace.getConfiguration('mixopt').get<number>('refreshDebounceMs', 1500);
    clearTimeout(this.timers.get(studyFile));
    this.timers.set(
      studyFile,
      setTimeout(() => {
        this.timers.delete(studyFile);
        const previous = this.snapshots.get(studyFile);
        void this.refresh(studyFile, { fit: previous?.posterior !== undefined, coalesce: true }).catch(() => undefined);
      }, delay),
    );
  }

  /**
   * Re-analyses a study in the worker; long fits show cancellable progress. Requests for one study run one after
   * another; a request that asks no more than the one already running (e.g. a file-watcher re-read during a
   * user's Suggest) shares its result instead of cancelling it.
   */
  refresh(studyFile: string, options: RefreshOptions = {}): Promise<StudySnapshot | undefined> {
    const strength = options.suggest || options.record ? 2 : options.fit === false ? 0 : 1;
    const running = this.inFlight.get(studyFile);
    if (options.coalesce && running && strength < 2 && running.strength >= strength) return running.promise;
    const previous = this.queue.get(studyFile) ?? Promise.resolve(undefined);
    const entry: { strength: number; promise: Promise<StudySnapshot | undefined> } = { strength, promise: Promise.resolve(undefined) };
    entry.promise = previous
      .catch(() => undefined)
      .then(() => {
        this.inFlight.set(studyFile, entry);
        return this.run(studyFile, options);
      })
      .finally(() => {
        if (this.inFlight.get(studyFile) === entry) this.inFlight.delete(studyFile);
      });
    this.queue.set(studyFile, entry.promise);
    return entry.promise;
  }

  private readonly queue = new Map<string, Promise<StudySnapshot | undefined>>();

  private async run(studyFile: string, options: RefreshOptions): Promise<StudySnapshot | undefined> {
    const controller = new AbortController();
    this.controllers.add(controller);
    const started = Date.now();
    // the worker's phase messages, shown once a progress notification is up
    let latest: { message: string; fraction: number } | undefined;
    let report: ((message: string, fraction: number) => void) | undefined;
    const request = this.engine.request(
      { method: 'analyze', params: { studyFile, suggest: options.suggest ?? 0, diagnostics: options.diagnostics ?? options.fit !== false, fit: options.fit !== false, ...(options.recommend ? { recommend: options.recommend } : {}), ...(options.reoptimise ? { reoptimise: true } : {}), ...(options.record ? { record: { actor: `vscode:${vscode.env.sessionId.slice(0, 8)}` } } : {}) } },
      {
        signal: controller.signal,
        progress: (message, fraction) => {
          latest = { message, fraction };
          report?.(message, fraction);
        },
      },
    );
    const progressTimer = options.fit === false || options.quiet ? undefined : setTimeout(
      () => {
        void vscode.window.withProgress(
          { location: vscode.ProgressLocation.Notification, title: 'MixOpt', cancellable: true },
          (progress, token) => {
            token.onCancellationRequested(() => controller.abort());
            let reported = 0;
            report = (message, fraction) => {
              const increment = Math.max(0, Math.round(fraction * 100) - reported);
              reported += increment;
              progress.report({ message: `${message}…`, increment });
            };
            report(latest?.message ?? (options.suggest ? 'Fitting the model and choosing the next trial' : 'Fitting the model'), latest?.fraction ?? 0);
            return request.catch(() => undefined);
          },
        );
      },
      options.interactive ? 0 : 500,
    );
    try {
      const result = await request;
      // the suggestion was shown first: the recommendation of this model follows (the Next trial panel's comparison)
      if (options.recommend === 'kept' && result.recommendation === undefined && result.observations > 0) {
        const followUp = (): void => void this.refresh(studyFile, { diagnostics: false, quiet: true, coalesce: true }).catch(() => undefined);
        if (options.followUpAfter) void options.followUpAfter.then(followUp, followUp);
        else followUp();
      }
      const snapshot = carryOver(result, this.snapshots.get(studyFile));
      this.snapshots.set(studyFile, snapshot);
      this.publishDiagnostics(snapshot);
      const seconds = ((Date.now() - started) / 1000).toFixed(2);
      const kind = options.suggest ? `suggest ${options.suggest}` : options.fit === false ? 'read, no fit' : options.diagnostics === false ? 'fit' : 'fit + diagnostics';
      this.log.info(`${snapshot.name}: ${snapshot.observations} observations, fit + analysis ${seconds} s (${kind})${snapshot.posterior ? `, model fit ${snapshot.posterior.fitSeconds.toFixed(2)} s` : ''}`);
      if (snapshot.posterior) this.log.debug(`hyperparameters: ${JSON.stringify(snapshot.posterior.hyperparameters)}`);
      for (const d of snapshot.diagnostics.filter((x) => x.severity !== 'info').slice(0, 50)) this.log.warn(`${d.file}:${d.line}: ${d.message}`);
      const shown = this.decorate(snapshot);
      this.emitter.fire(shown);
      return shown;
    } catch (e) {
      if (e instanceof EngineCancelledError) {
        this.log.info(`analysis of ${studyFile} cancelled`);
        return undefined;
      }
      this.log.error(`analysis of ${studyFile} failed: ${e instanceof Error ? e.message : String(e)}`);
      throw e;
    } finally {
      clearTimeout(progressTimer);
      this.controllers.delete(controller);
    }
  }

  /** Diagnostics of every file the snapshot names, replacing the previous ones of the same study. */
  private publishDiagnostics(snapshot: StudySnapshot): void {
    const byFile = new Map<string, vscode.Diagnostic[]>();
    for (const d of snapshot.diagnostics) {
      const line = Math.max(0, d.line - 1);
      const range = new vscode.Range(line, 0, line, 200);
      const severity = d.severity === 'error' ? vscode.DiagnosticSeverity.Error : d.severity === 'warning' ? vscode.DiagnosticSeverity.Warning : vscode.DiagnosticSeverity.Information;
      const diag = new vscode.Diagnostic(range, `${d.key ? `${d.key}: ` : ''}${d.message}${d.hint ? ` (${d.hint})` : ''}`, severity);
      diag.source = 'MixOpt';
      byFile.set(d.file, [...(byFile.get(d.file) ?? []), diag]);
    }
    const previous = this.publishedFiles.get(snapshot.studyFile) ?? [];
    for (const f of previous) if (!byFile.has(f)) this.diagnostics.delete(vscode.Uri.file(f));
    for (const [file, list] of byFile) this.diagnostics.set(vscode.Uri.file(file), list);
    this.publishedFiles.set(snapshot.studyFile, [...byFile.keys()]);
  }
  private readonly publishedFiles = new Map<string, string[]>();

  findSuggestion(id: string): { studyFile: string; suggestion: SuggestionView } | undefined {
    for (const [studyFile, snap] of this.snapshots) {
      const s = snap.suggestions?.find((x) => x.id === id);
      if (s) return { studyFile, suggestion: s };
    }
    return undefined;
  }
}

