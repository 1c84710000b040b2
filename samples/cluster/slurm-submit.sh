#!/bin/bash
# Renders a clip as N parts on a Slurm cluster and joins them when all parts
# have succeeded:
#
#   slurm-submit.sh IN OUT N [deepdream video flags]
#
# IN and OUT must be on a filesystem every node shares. DEEPDREAM names the
# binary (default: deepdream in PATH); SBATCH_PART_FLAGS and
# SBATCH_JOIN_FLAGS add sbatch options (partition, account, time, logs).
set -euo pipefail
if [ $# -lt 3 ]; then
  echo "usage: $0 IN OUT N [deepdream video flags]" >&2
  exit 2
fi
in=$1 out=$2 n=$3
shift 3
dd=${DEEPDREAM:-deepdream}
here=$(cd "$(dirname "$0")" && pwd)
# Check the flags and print the plan before anything is queued.
"$dd" video "$in" -o "$out" --parts "$n" --plan "$@"
# shellcheck disable=SC2086 # the flag variables hold several words on purpose
parts=$(sbatch --parsable --array="0-$((n - 1))" ${SBATCH_PART_FLAGS:-} "$here/deepdream-part.sbatch" "$in" "$out" "$@")
parts=${parts%%;*}
# shellcheck disable=SC2086
join=$(sbatch --parsable --job-name=deepdream-join --dependency="afterok:$parts" ${SBATCH_JOIN_FLAGS:-} \
  --wrap "$(printf '%q ' "$dd" join "$out")")
join=${join%%;*}
echo "submitted: parts $parts (array 0-$((n - 1))), join $join; the output appears as $out"
