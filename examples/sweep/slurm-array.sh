#!/bin/bash
# Theory Lens over every checkpoint of a sweep, as a Slurm job array: each array task analyses one shard
# of the plan (every N-th checkpoint) into a shared folder; a re-queued or re-submitted task skips the
# reports that are already there. Submit, then merge once every task is done:
#   sbatch examples/sweep/slurm-array.sh 'runs/**/*.onnx' /shared/theory-lens-out
#   sbatch --dependency=afterany:<jobid> --wrap 'npx theory-lens collect /shared/theory-lens-out --metrics metrics.csv'
# PLAN: a glob (quoted, so the shell does not expand it) or a CSV / JSON-lines file listing checkpoints with
# optional init, probe, test, train_size and id columns. The shard index comes from SLURM_ARRAY_TASK_ID
# (minus SLURM_ARRAY_TASK_MIN) and the count from SLURM_ARRAY_TASK_COUNT, so --array may be any range.
#SBATCH --job-name=theory-lens
#SBATCH --array=0-15
#SBATCH --cpus-per-task=2
#SBATCH --mem=4G
#SBATCH --time=02:00:00
#SBATCH --output=theory-lens-%A_%a.log
#SBATCH --requeue
set -euo pipefail
PLAN=${1:?usage: sbatch slurm-array.sh PLAN OUT_DIR}
OUT=${2:?usage: sbatch slurm-array.sh PLAN OUT_DIR}
# theory-lens from the project's npm package or a checkout (node dist/cli.js); --threads: the CPUs Slurm gave us
THEORY_LENS=${THEORY_LENS:-npx --no-install theory-lens}
$THEORY_LENS sweep "$PLAN" --out "$OUT" --threads "${SLURM_CPUS_PER_TASK:-2}" --quiet
# exit 0: every checkpoint of this shard has a report; 1: some failed (their errors are in OUT/<id>.failed.json)
