#!/usr/bin/env bash
# As run.sh (interleaved rounds of the documented benchmark over three jars, `uptime` before each run), and
# also the server JVM's CPU time (user + system, from /proc/PID/stat, sampled every 0.5 s until it exits)
# divided by the sentences it embedded: a cost per embedding that depends less on what else the shared VM
# runs than throughput does (which also depends on the share of the 2 CPUs the server's threads win).
# Usage: run-cpu.sh OLD_JAR NEW_JAR SINGLE_JAR FIRST_ROUND LAST_ROUND
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
bench="$(cd "$here/../../../model-runtime/reference" && pwd)/bench/Bench.java"
declare -A jars=([old]="$1" [new]="$2" [single]="$3")
tick=$(getconf CLK_TCK)
for round in $(seq "$4" "$5"); do
  for name in old new single; do
    out="$here/bench-r$round-$name.txt"
    {
      echo "# round $round, jar $name: ${jars[$name]} (sha256 $(sha256sum "${jars[$name]}" | cut -c1-12))"
      echo "# $(date -u +%FT%TZ) uptime:$(uptime)"
      taskset -c 0,1 java "$bench" "${jars[$name]}" 20 1 2 4 &
      bench_pid=$!
      server=""; ticks=0
      while kill -0 "$bench_pid" 2>/dev/null; do
        [[ -n "$server" ]] || server=$(pgrep -P "$bench_pid" java || true)
        if [[ -n "$server" && -r /proc/$server/stat ]]; then
          now=$(awk '{print $14 + $15}' "/proc/$server/stat" 2>/dev/null || echo "$ticks")
          ticks=${now:-$ticks}
        fi
        sleep 0.5
      done
      wait "$bench_pid"
      echo "# server cpu: $(awk -v t="$ticks" -v hz="$tick" 'BEGIN {printf "%.1f", t / hz}') s (user+system, last sample)"
      echo "# $(date -u +%FT%TZ) after: uptime:$(uptime)"
    } > "$out" 2>&1
    cat "$out"
  done
done
