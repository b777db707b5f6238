#!/bin/bash
# Submits a sharded run and its merge: an N-task array, then a merge that starts only if every
# task succeeded (afterok).
#   configs/cluster/submit-shards.sh CONFIG RESULTS_DIR N [trialsim run options, e.g. -r 1000000 -s 7]
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
config="$1"; results="$2"; tasks="$3"; shift 3
shard_dir="$results.shards"
array_job=$(sbatch --parsable --array=1-"$tasks" "$here/shards.sbatch" "$config" "$shard_dir" "$@")
merge_job=$(sbatch --parsable --dependency=afterok:"$array_job" "$here/merge.sbatch" "$shard_dir" "$results")
echo "array job $array_job ($tasks shards into $shard_dir), merge job $merge_job (into $results)"
