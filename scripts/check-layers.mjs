// Enforces the layers of SPEC.md on import statements (the compiler enforces the rest via per-layer tsconfigs):
// src/core imports no vscode, node builtins or DOM code; only src/extension imports 'vscode';
// webview code imports from src/ only src/protocol.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative, dirname, resolve } from 'node:path';

const root = process.cwd();
const problems = [];
function walk(dir, out) {
  for (const name of readdirSync(dir)) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) walk(p, out);
    else if (/\.(ts|mts)$/.test(name)) out.push(p);
  }
  return out;
}
const importRe = /(?:import|export)\s[^'"]*?from\s*['"]([^'"]+)['"]|import\(\s*['"]([^'"]+)['"]\s*\)|require\(\s*['"]([^'"]+)['"]\s*\)/g;
const nodeBuiltin = /^(node:|fs$|path$|os$|child_process$|worker_threads$|crypto$|url$|util$|events$|stream$|readline$)/;
for (const file of [...walk('src', []), ...walk('webview', [])]) {
  const rel = relative(root, file).replaceAll('\\', '/');
  const text = readFileSync(file, 'utf8');
  for (const m of text.matchAll(importRe)) {
    const spec = m[1] ?? m[2] ?? m[3];
    if (!spec) continue;
    const line = text.slice(0, m.index).split('\n').length;
    const where = `${rel}:${line}`;
    if (spec === 'vscode' && !rel.startsWith('src/extension/')) problems.push(`${where}: only src/extension may import 'vscode'`);
    if (rel.startsWith('src/core/')) {
      if (nodeBuiltin.test(spec)) problems.push(`${where}: src/core must not import Node builtins ('${spec}')`);
      if (spec.startsWith('.')) {
        const target = relative(root, resolve(dirname(file), spec)).replaceAll('\\', '/');
        if (!target.startsWith('src/core')) problems.push(`${where}: src/core must not import outside src/core ('${spec}')`);
      } else if (!['ml-matrix'].includes(spec)) problems.push(`${where}: src/core may import only ml-matrix ('${spec}')`);
    }
    if (rel.startsWith('webview/') && spec.startsWith('.')) {
      const target = relative(root, resolve(dirname(file), spec)).replaceAll('\\', '/');
      if (target.startsWith('src/') && !target.startsWith('src/protocol')) problems.push(`${where}: webview code may import only src/protocol from src/ ('${spec}')`);
    }
    if (rel.startsWith('src/protocol/') && (spec === 'vscode' || nodeBuiltin.test(spec))) problems.push(`${where}: src/protocol is shared with the browser; no '${spec}'`);
  }
}
if (problems.length > 0) {
  console.error(problems.join('\n'));
  console.error(`[layers] ${problems.length} layer violation(s)`);
  process.exit(1);
}
console.log('[layers] ok');
