// The one command that runs every check: type check, lint (typescript-eslint, with the layer rules), build, unit tests, then the end-to-end
// suite in a real VS Code (code-server + Chromium), installed on first use into a cache outside the repo.
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';

const steps = [
  ['type check', 'npm', ['run', '--silent', 'typecheck']],
  ['lint', 'npm', ['run', '--silent', 'lint']],
  ['build', 'npm', ['run', '--silent', 'build']],
  ['unit tests', 'npm', ['run', '--silent', 'test:unit']],
];
if (process.env.MIXOPT_SKIP_E2E !== '1') {
  // installed once up front (cached in ~/.cache/mixopt), so a failed install fails here with its own message
  steps.push(['real VS Code for the end-to-end tests (code-server + Chromium)', 'bash', ['scripts/install-code-server.sh']]);
  // a private single-node Slurm (installed with apt-get when missing) for the scheduler tests; a failure to start
  // it fails the run here, and whatever happens it is stopped at the end
  steps.push(['single-node Slurm for the end-to-end tests (slurm-wlm + munge)', 'bash', ['scripts/slurm-start.sh']]);
  steps.push(['end-to-end tests', 'npm', ['run', '--silent', 'test:e2e']]);
}
const slurmDir = process.env.MIXOPT_SLURM_DIR ?? '/tmp/mixopt-slurm';
const slurmRunning = () => {
  try {
    process.kill(Number(readFileSync(`${slurmDir}/slurmctld.pid`, 'utf8').trim()), 0);
    return true;
  } catch {
    return false;
  }
};
let slurmStarted = false;
const stopSlurm = () => {
  if (slurmStarted) spawnSync('bash', ['scripts/slurm-stop.sh'], { stdio: 'inherit' });
  slurmStarted = false;
};
for (const [name, cmd, args] of steps) {
  console.log(`\n=== ${name} ===`);
  const wasRunning = args[0] === 'scripts/slurm-start.sh' && slurmRunning();
  const r = spawnSync(cmd, args, { stdio: 'inherit' });
  if (args[0] === 'scripts/slurm-start.sh' && r.status === 0) {
    slurmStarted = !wasRunning;
    const env = readFileSync(`${slurmDir}/env`, 'utf8');
    process.env.SLURM_CONF = /SLURM_CONF=(.*)/.exec(env)?.[1]?.trim() ?? '';
  }
  if (r.status !== 0) {
    console.error(`\n[test] step "${name}" failed (exit ${r.status})`);
    stopSlurm();
    process.exit(r.status ?? 1);
  }
}
stopSlurm();
