// The one command that runs every check: type check, layer check, build, unit tests, then the end-to-end
// suite in a real VS Code (code-server + Chromium), installed on first use into a cache outside the repo.
import { spawnSync } from 'node:child_process';

const steps = [
  ['type check', 'npm', ['run', '--silent', 'typecheck']],
  ['layers', 'npm', ['run', '--silent', 'check:layers']],
  ['build', 'npm', ['run', '--silent', 'build']],
  ['unit tests', 'npm', ['run', '--silent', 'test:unit']],
];
if (process.env.MIXOPT_SKIP_E2E !== '1') {
  // installed once up front (cached in ~/.cache/mixopt), so a failed install fails here with its own message
  steps.push(['real VS Code for the end-to-end tests (code-server + Chromium)', 'bash', ['scripts/install-code-server.sh']]);
  steps.push(['end-to-end tests', 'npm', ['run', '--silent', 'test:e2e']]);
}
for (const [name, cmd, args] of steps) {
  console.log(`\n=== ${name} ===`);
  const r = spawnSync(cmd, args, { stdio: 'inherit' });
  if (r.status !== 0) {
    console.error(`\n[test] step "${name}" failed (exit ${r.status})`);
    process.exit(r.status ?? 1);
  }
}
