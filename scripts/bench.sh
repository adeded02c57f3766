#!/usr/bin/env bash
# Runs the hot-path benchmarks and prints a table (benchstat), then the
# proxy benchmark (backend/cmd/proxybench: direct vs mcpgw vs nginx on one
# upstream, against the proxy issue's targets), whose table is also
# written to bench/results/proxy-<date>.md and bench/results/latest.md.
#   scripts/bench.sh             this tree
#   BASE=main scripts/bench.sh   this tree against git ref BASE, side by side
#                                (the proxy benchmark measures this tree only)
#   PROXYBENCH=0 scripts/bench.sh  skip the proxy benchmark
#   PROXYBENCH_FLAGS="-duration 5s" scripts/bench.sh  pass flags to it
# Needs DATABASE_URL / REDIS_URL (make bench sets them) and nginx (installed
# with apt-get when missing).
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

[ "${PROXYBENCH:-1}" = 0 ] && exit 0

if ! command -v nginx >/dev/null; then
  echo "bench: installing nginx (the proxy benchmark's reference) with apt-get" >&2
  sudo=; [ "$(id -u)" = 0 ] || sudo=sudo
  $sudo env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq nginx >&2 ||
    { $sudo env DEBIAN_FRONTEND=noninteractive apt-get update -qq >&2 &&
      $sudo env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq nginx >&2; }
fi
echo "==> proxy benchmark (about 2 minutes)" >&2
(cd "$root" && go test -run '^$' -bench FilterToolsResult500 -benchmem -count 3 ./backend/internal/proxy/) | tee "$out/filter.txt" >&2
(cd "$root" && go build -trimpath -o "$out/mcpgw" ./backend/cmd/mcpgw && go build -o "$out/proxybench" ./backend/cmd/proxybench)
echo
# shellcheck disable=SC2086 # PROXYBENCH_FLAGS is a list of flags
(cd "$root" && "$out/proxybench" -mcpgw "$out/mcpgw" -filter-bench "$out/filter.txt" -out bench/results ${PROXYBENCH_FLAGS:-})
