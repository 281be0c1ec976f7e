#!/usr/bin/env bash
# Interleaved runs of model-runtime/reference/bench.sh's program (taskset -c 0,1 java bench/Bench.java JAR 20 1 2 4)
# against three jars, ROUNDS times in turn, `uptime` before each run:
#   old    = commit 7c3e969 (before the engine queue: every HTTP thread runs the model itself)
#   new    = branch i16-reference with --engine-threads (default = processors = 2 under taskset 0,1)
#   single = main 02b01f8 (the engine queue with one engine thread)
# Usage: run.sh OLD_JAR NEW_JAR SINGLE_JAR [first round (default 1)] [last round (default 3)]
# (writes bench-r<round>-<jar>.txt beside itself)
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
bench="$(cd "$here/../../../model-runtime/reference" && pwd)/bench/Bench.java"
declare -A jars=([old]="$1" [new]="$2" [single]="$3")
for round in $(seq "${4:-1}" "${5:-3}"); do
  for name in old new single; do
    out="$here/bench-r$round-$name.txt"
    { echo "# round $round, jar $name: ${jars[$name]} (sha256 $(sha256sum "${jars[$name]}" | cut -c1-12))"
      echo "# $(date -u +%FT%TZ) uptime:$(uptime)"
      taskset -c 0,1 java "$bench" "${jars[$name]}" 20 1 2 4
      echo "# $(date -u +%FT%TZ) after: uptime:$(uptime)"
    } > "$out" 2>&1
    cat "$out"
  done
done
