// Confinement of the paths accept reads and writes (config.template, config.output): inside the study's workspace
// folder after symbolic links are resolved, unless the study allows otherwise in a trusted workspace.
import { existsSync, realpathSync } from 'node:fs';
import { dirname, isAbsolute, join, relative, resolve, sep } from 'node:path';

/** `path` with symbolic links resolved; for a path that does not exist yet, its nearest existing ancestor's. */
export function realpathOrAncestor(path: string): string {
  let p = resolve(path);
  const rest: string[] = [];
  for (;;) {
    try {
      return rest.length ? join(realpathSync(p), ...rest.reverse()) : realpathSync(p);
    } catch {
      const parent = dirname(p);
      if (parent === p) return resolve(path);
      rest.push(p.slice(parent.length).replace(/^[\\/]+/, ''));
      p = parent;
    }
  }
}

/** Whether `path` (resolved, links followed) is `root` or inside it. */
export function isInside(path: string, root: string): boolean {
  const r = relative(realpathOrAncestor(root), realpathOrAncestor(path));
  return r === '' || (!r.startsWith(`..${sep}`) && r !== '..' && !isAbsolute(r));
}

/**
 * The workspace folder a study belongs to when no editor says so: the nearest ancestor of the study's folder that
 * holds `.git` or `.vscode`, else the study's folder.
 */
export function workspaceFolderOf(studyDir: string): string {
  for (let d = resolve(studyDir); ; ) {
    if (existsSync(join(d, '.git')) || existsSync(join(d, '.vscode'))) return d;
    const parent = dirname(d);
    if (parent === d) return resolve(studyDir);
    d = parent;
  }
}
