#!/usr/bin/env bash
# Captures the output of the real Slurm commands that src/scheduler/slurmParse.ts reads, into
# test/fixtures/slurm/. Runs against the private single-node Slurm of scripts/slurm-start.sh (started here when it
# is not running, and stopped again). Takes about two minutes: one job is left to hit its 1-minute time limit.
# The formats are the ones SlurmScheduler asks for (SQUEUE_FORMAT, SACCT_FIELDS in src/scheduler/slurmParse.ts).
set -euo pipefail
cd "$(dirname "$0")/.."
OUT="$PWD/test/fixtures/slurm"
DIR="${MIXOPT_SLURM_DIR:-/tmp/mixopt-slurm}"
started=0
if ! { [ -f "$DIR/slurmctld.pid" ] && kill -0 "$(cat "$DIR/slurmctld.pid")" 2>/dev/null; }; then
  bash scripts/slurm-start.sh
  started=1
fi
# shellcheck disable=SC1091
export "$(cat "$DIR/env")"
work="$(mktemp -d /tmp/mixopt-capture.XXXXXX)"
mkdir -p "$OUT" "$work/dir with space"
cleanup() { [ "$started" = 1 ] && bash scripts/slurm-stop.sh; rm -rf "$work"; }
trap cleanup EXIT
SQ='%i|%T|%M|%r'
SA='JobID,State,ExitCode,Elapsed'
# record <name> <command...>: stdout to <name>.txt; stderr and exit code too when the command fails
record() {
  local name="$1"; shift
  set +e
  "$@" >"$OUT/$name.txt" 2>"$work/err"
  local code=$?
  set -e
  if [ "$code" != 0 ]; then cp "$work/err" "$OUT/$name.stderr.txt"; echo "$code" >"$OUT/$name.code"; fi
}
cd "$work/dir with space"
record sbatch-parsable sbatch --parsable --job-name=ok --wrap 'echo step 1; sleep 4; exit 0'
ok="$(cat "$OUT/sbatch-parsable.txt")"
cd "$OLDPWD"
sbatch_out() { (cd "$work/dir with space" && sbatch "$@"); }
record sbatch-plain sbatch_out --job-name=exit3 --wrap 'echo failing; sleep 2; exit 3'
fail="$(grep -o '[0-9]*$' "$OUT/sbatch-plain.txt")"
long="$(sbatch_out --parsable --job-name=long --wrap 'sleep 600')"
timeout="$(sbatch_out --parsable --job-name=timeout --time=1 --wrap 'sleep 600')"
# needs both CPUs while others hold them: waits with Reason=Resources
pend="$(sbatch_out --parsable --job-name=pending --cpus-per-task=2 --wrap 'sleep 1')"
record sbatch-error sbatch --parsable --partition=nosuchpartition --wrap 'true'
sleep 1
record squeue-active squeue --noheader --states=all "--jobs=$ok,$fail,$long,$timeout,$pend" "--format=$SQ"
record scontrol-running scontrol show job -o "$ok"
record scontrol-pending scontrol show job -o "$pend"
sleep 5
record scontrol-completed scontrol show job -o "$ok"
record scontrol-failed scontrol show job -o "$fail"
record scontrol-failed-multiline scontrol show job "$fail"
record scancel scancel "$long"
sleep 2
record scontrol-cancelled scontrol show job -o "$long"
record squeue-unknown squeue --noheader --states=all --jobs=999999 "--format=$SQ"
record scontrol-unknown scontrol show job -o 999999
echo "[capture] waiting for job $timeout to reach its 1-minute limit…"
for _ in $(seq 1 60); do
  scontrol show job -o "$timeout" | grep -q 'JobState=TIMEOUT' && break
  sleep 3
done
record scontrol-timeout scontrol show job -o "$timeout"
record squeue-finished squeue --noheader --states=all "--jobs=$ok,$fail,$long,$timeout,$pend" "--format=$SQ"
record sacct-disabled sacct --parsable2 --noheader "--jobs=$fail" "--format=$SA"
record sacct-completion sacct --completion --parsable2 --noheader "--jobs=$ok,$fail,$long,$timeout" "--format=$SA"
{
  echo "# captured by scripts/slurm-capture-fixtures.sh on $(date -u +%Y-%m-%dT%H:%M:%SZ)"
  echo "# $(sbatch --version); jobs: ok=$ok exit3=$fail long(cancelled)=$long timeout=$timeout pending=$pend"
  echo "# work dir: $work/dir with space"
} >"$OUT/README.txt"
echo "[capture] wrote $(ls "$OUT" | wc -l) files to $OUT"
