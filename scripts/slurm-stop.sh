#!/usr/bin/env bash
# Stops the daemons scripts/slurm-start.sh started, by the pids it recorded in $MIXOPT_SLURM_DIR, and nothing else.
set -uo pipefail
DIR="${MIXOPT_SLURM_DIR:-/tmp/mixopt-slurm}"
for name in slurmd slurmctld munged; do
  f="$DIR/$name.pid"
  [ -f "$f" ] || continue
  pid="$(cat "$f")"
  if [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null; then
    kill "$pid"
    for _ in $(seq 1 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    kill -0 "$pid" 2>/dev/null && kill -9 "$pid"
    echo "[slurm] stopped $name ($pid)"
  fi
  rm -f "$f"
done
