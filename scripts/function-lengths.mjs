// Lists the functions of src/ (and webview/) longer than a limit, longest first, with the TypeScript compiler's
// parser: `node scripts/function-lengths.mjs [limit=120] [folder…]`. A function's length is its lines from the
// `function` / name to the closing brace, closures inside it included. Exit code 0 always: it informs, the limit is a
// guide (issue 13: "no function over ~120 lines in src/, say where one is justified").
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import ts from 'typescript';

const [limitArg, ...folders] = process.argv.slice(2);
const limit = Number(limitArg ?? 120);
const roots = folders.length > 0 ? folders : ['src', 'webview'];

function walk(dir, out) {
  for (const name of readdirSync(dir)) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) walk(p, out);
    else if (/\.(ts|mts)$/.test(name) && !name.endsWith('.d.ts')) out.push(p);
  }
  return out;
}

function nameOf(node) {
  if (node.name && ts.isIdentifier(node.name)) return node.name.text;
  if (node.name) return node.name.getText();
  if (ts.isConstructorDeclaration(node)) return 'constructor';
  const parent = node.parent;
  if (parent && ts.isVariableDeclaration(parent) && ts.isIdentifier(parent.name)) return parent.name.text;
  if (parent && ts.isPropertyAssignment(parent)) return parent.name.getText();
  if (parent && ts.isPropertyDeclaration(parent)) return parent.name.getText();
  return '(anonymous)';
}

const rows = [];
for (const file of roots.flatMap((r) => walk(r, []))) {
  const text = readFileSync(file, 'utf8');
  const source = ts.createSourceFile(file, text, ts.ScriptTarget.ES2022, true);
  const visit = (node) => {
    if (ts.isFunctionLike(node) && 'body' in node && node.body) {
      const start = source.getLineAndCharacterOfPosition(node.getStart(source)).line + 1;
      const end = source.getLineAndCharacterOfPosition(node.getEnd()).line + 1;
      const lines = end - start + 1;
      if (lines > limit) rows.push({ where: `${relative(process.cwd(), file)}:${start}`, name: nameOf(node), lines });
    }
    ts.forEachChild(node, visit);
  };
  visit(source);
}
rows.sort((a, b) => b.lines - a.lines);
for (const r of rows) console.log(`${String(r.lines).padStart(5)}  ${r.where}  ${r.name}`);
console.log(`[function-lengths] ${rows.length} function(s) over ${limit} lines in ${roots.join(', ')}`);
