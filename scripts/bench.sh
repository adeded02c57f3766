#!/usr/bin/env bash
# Runs the hot-path benchmarks and prints a table (benchstat).
#   scripts/bench.sh             this tree
#   BASE=main scripts/bench.sh   this tree against git ref BASE, side by side
# Needs DATABASE_URL / REDIS_URL (make bench sets them).
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
out="$root/.data/bench"
mkdir -p "$out"
count=${BENCH_COUNT:-6}
pkgs=(./backend/...)

run() { # run DIR FILE
  (cd "$1" && go test -run '^$' -bench . -benchmem -count "$count" "${pkgs[@]}") | tee "$2" >&2
}

run "$root" "$out/new.txt"
if [ -n "${BASE:-}" ]; then
  wt="$out/base-tree"
  git -C "$root" worktree remove --force "$wt" 2>/dev/null || true
  git -C "$root" worktree add --detach "$wt" "$BASE" >&2
  trap 'git -C "$root" worktree remove --force "$wt"' EXIT
  run "$wt" "$out/old.txt"
  (cd "$root" && go tool benchstat "$BASE=$out/old.txt" "working tree=$out/new.txt")
else
  (cd "$root" && go tool benchstat "$out/new.txt")
fi
