#!/usr/bin/env bash
# Benchmarks the reference runtime: load time to healthy, embeddings/s and p50/p99 latency for
# single-sentence requests (1, 2 and 4 clients), RSS after load. Server and client share CPUs 0-1,
# so the figures are for 2 cores on any machine. Build the jar first:
#   ./mvnw -B -q -pl model-runtime/reference -am verify
# Usage: model-runtime/reference/bench.sh [seconds-per-run (default 20)] [clients...]
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
jar="$here/target/reference-runtime.jar"
[[ -f "$jar" ]] || { echo "bench.sh: $jar is missing; build it first (see the top of this script)" >&2; exit 1; }
exec taskset -c 0,1 java "$here/bench/Bench.java" "$jar" "$@"
