#!/usr/bin/env bash
# The bisect of README, Benchmark: CPU time per turn of the fixed workload at each
# given commit, ROUNDS rounds interleaved (every commit once per round), so a change
# in the machine's load hits all commits alike. Each commit gets a worktree under
# $BISECT_DIR with this checkout's node_modules linked in. One JSON line per run.
#   bench/bisect.sh <commit>... > results.jsonl
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
dir=${BISECT_DIR:-/tmp/rotabot-bisect}
rounds=${ROUNDS:-3}
store=${STORE:-pglite}
mkdir -p "$dir"
for c in "$@"; do
  wt="$dir/$c"
  [ -d "$wt" ] || git -C "$here" worktree add --detach "$wt" "$c" >/dev/null 2>&1
  [ -e "$wt/node_modules" ] || ln -s "$here/node_modules" "$wt/node_modules"
done
for r in $(seq "$rounds"); do
  for c in "$@"; do
    out=$(cd "$here" && node --import tsx bench/run.ts turn-cost --root "$dir/$c" --store "$store" --turns "${TURNS:-1000}")
    echo "{\"commit\":\"$c\",\"round\":$r,\"result\":$out}"
  done
done
