#!/usr/bin/env bash
# Stand-in launch script of the example: a real study would submit the job, e.g. `sbatch train.sh "$1"`.
set -euo pipefail
echo "would train with config: $1"
