#!/usr/bin/env bash
# The hang-detection proof on a real GPU (issue 16; docs/gpu-validation.md). From the repository root on a machine with
# an NVIDIA GPU, PyTorch, transformers, prometheus-client and pynvml, with the shaded jar and .gpu/jre as for run.sh:
#
#   OUT=/tmp/out bash docs/gpu-validation/run-hang.sh; echo "exit $?"
#
# The daemon supervises hang_server.py (a PyTorch server generating on the GPU, /metrics in vLLM's names) with the
# progress probe on (engine: vllm, stall_after 10 s, probes every second). hang_client.py keeps 8 requests in flight.
#   1. 20 s of healthy traffic and one request sized to run longer than stall_after: no restart, the step counter
#      moves, the long request answers in full.
#   2. POST /admin/fault/hang: the engine thread hangs inside GPU work (a spinning kernel it waits for) holding its
#      requests; /health keeps answering 200, the GPU stays busy, vllm:iteration_tokens_total_count stops.
#   3. The daemon restarts it with reason "stalled": detection time = restart_decided.ts - the time of the POST.
#   4. The old tree's GPU memory is released (gpu_released; NVML lists none of its pids), generation 2 is healthy
#      and serves: a completion answers, the client's requests succeed again, no further restart.
# Every check is one PASS/FAIL line in $OUT/summary.txt with the figures; exit 0 only when all passed. About 1.5 minutes.
# $OUT gets 7 files (the device machine returns at most 8): summary.txt, snapshots.txt (glyphctl status, nvidia-smi and
# /metrics at each phase), audit.jsonl, client.log, daemon.log, runtime-tail.log, machine.txt.
#
# Settings (environment): GLYPH_HANG_PORT (8011), GLYPH_HANG_STALL_AFTER (10, seconds), GLYPH_HANG_HEALTHY_S (20),
# GLYPH_HANG_BOUND_S (stall_after + 2: the detection time asserted), GLYPH_HANG_EVENT (restart_decided) and
# GLYPH_HANG_REASON (stalled): the audit record that marks the decision; GLYPH_HANG_DEVICE (cuda:0).
set -uo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
kit="$root/docs/gpu-validation"
out=${OUT:-/tmp/glyph-gpu-hang-out}; mkdir -p "$out"
work=${GLYPH_GPU_WORK:-/tmp/glyph-gpu-hang}; rm -rf "$work"; mkdir -p "$work"
port=${GLYPH_HANG_PORT:-8011}
stall_after=${GLYPH_HANG_STALL_AFTER:-10}
healthy_s=${GLYPH_HANG_HEALTHY_S:-20}
bound_s=${GLYPH_HANG_BOUND_S:-$((stall_after + 2))}
event=${GLYPH_HANG_EVENT:-restart_decided}
reason=${GLYPH_HANG_REASON:-stalled}
device=${GLYPH_HANG_DEVICE:-cuda:0}
base="http://127.0.0.1:$port"
if [ -z "${JAVA_HOME:-}" ] && [ -x "$root/.gpu/jre/bin/java" ]; then export JAVA_HOME="$root/.gpu/jre"; fi
glyphctl=${GLYPH_CTL:-$root/bin/glyphctl}
summary="$out/summary.txt"; : > "$summary"
snaps="$out/snapshots.txt"; : > "$snaps"
failures=0
say() { echo "$*" | tee -a "$summary"; }
pass_if() { if eval "$2"; then say "PASS  $1"; else say "FAIL  $1"; failures=$((failures + 1)); fi; }
audit="$work/audit.jsonl"
config="$work/hang.yaml"
daemon=""; client=""
cleanup() { # a phase that failed leaves the client or the daemon up: stop them (the daemon stops its server)
  [ -n "$client" ] && kill -TERM "$client" 2>/dev/null
  if [ -n "$daemon" ] && kill -0 "$daemon" 2>/dev/null; then
    kill -TERM "$daemon"; for _ in $(seq 1 300); do kill -0 "$daemon" 2>/dev/null || break; sleep 0.1; done
  fi
}
trap cleanup EXIT

# --- helpers ---------------------------------------------------------------------------------------------------------
wait_event() { # event python-condition-on-r timeout_s: prints the first matching audit record (JSON), or exits 1
  python3 - "$audit" "$1" "$2" "$3" <<'PY'
import json, sys, time
path, event, cond, timeout = sys.argv[1], sys.argv[2], sys.argv[3], float(sys.argv[4])
deadline = time.time() + timeout
while time.time() < deadline:
    try:
        for line in open(path):
            try:
                r = json.loads(line)
            except ValueError:
                continue
            if r.get("event") == event and eval(cond, {}, {"r": r}):
                print(json.dumps(r, ensure_ascii=False)); sys.exit(0)
    except OSError:
        pass
    time.sleep(0.1)
sys.exit(1)
PY
}
count_events() { # event [python-condition-on-r]
  python3 - "$audit" "$1" "${2:-True}" <<'PY'
import json, sys
path, event, cond = sys.argv[1], sys.argv[2], sys.argv[3]
n = 0
try:
    for line in open(path):
        try:
            r = json.loads(line)
        except ValueError:
            continue
        n += r.get("event") == event and bool(eval(cond, {}, {"r": r}))
except OSError:
    pass
print(n)
PY
}
field() { # json key: one value of a record ("" when absent)
  python3 -c 'import json,sys; v=json.loads(sys.argv[1]).get(sys.argv[2]); print("" if v is None else json.dumps(v) if isinstance(v,(list,dict)) else v)' "$1" "$2" 2>/dev/null
}
ts_ms() { # an audit record's ts as epoch milliseconds
  python3 -c 'import json,sys,datetime; t=json.loads(sys.argv[1])["ts"].replace("Z","+00:00"); print(int(datetime.datetime.fromisoformat(t).timestamp()*1000))' "$1"
}
steps() { curl -s -m 3 "$base/metrics" | awk '/^vllm:iteration_tokens_total_count/ {s += $NF} END {print s + 0}'; }
gauge() { curl -s -m 3 "$base/metrics" | awk -v m="$1" 'index($1, m "{") == 1 || $1 == m {s += $NF} END {print s + 0}'; }
gpu_pids() { python3 -c 'import pynvml as n; n.nvmlInit(); h=n.nvmlDeviceGetHandleByIndex(0); print(" ".join(str(p.pid) for p in n.nvmlDeviceGetComputeRunningProcesses(h)))'; }
client_ok() { grep -o '\] ok=[0-9]*' "$out/client.log" 2>/dev/null | tail -1 | cut -d= -f2; }
snapshot() { # title: glyphctl status, nvidia-smi and the server's metrics, appended to snapshots.txt
  {
    echo "=== $1 ($(date -u +%T.%3N))"
    echo "--- glyphctl status"; "$glyphctl" status --config "$config" 2>&1
    echo "--- nvidia-smi"; nvidia-smi --query-gpu=utilization.gpu,memory.used,memory.total --format=csv,noheader
    nvidia-smi --query-compute-apps=pid,used_memory --format=csv,noheader
    echo "--- /metrics (vllm:)"; curl -s -m 3 "$base/metrics" | grep -E '^vllm:(num_requests|iteration_tokens_total_(count|sum)|generation_tokens_total)' || echo "(no answer)"
  } >> "$snaps" 2>&1
}

cat > "$config" <<YAML
# run-hang.sh: the hang server under the daemon, the progress probe on its vLLM-named /metrics.
runtime:
  command: ["python3", "$kit/hang_server.py", "--port", "$port", "--device", "$device", "--layers", "2"]
  workdir: $kit
  port: $port
  startup_timeout: 3m
  stop_grace: 5s
  log: $work/runtime.log
probes:
  schedule: "1s"
  failure_threshold: 2
  startup_interval: 500ms
  http: {url: "$base/health", timeout: 5s}
  progress: {engine: vllm, stall_after: ${stall_after}s, timeout: 2s}
  gpu:
    max_process_memory: 16GiB
    max_device_memory: 95%
    release_timeout: 60s
    release_margin: 256MiB
restart:
  backoff_initial: 1s
  backoff_max: 5s
  crash_loop: {max_restarts: 5, window: 10m}
state_dir: $work/state
audit: {path: $audit}
YAML
{
  nvidia-smi --query-gpu=name,driver_version,memory.total,memory.used --format=csv
  python3 -c 'import torch, transformers, prometheus_client; print("torch", torch.__version__, "cuda", torch.version.cuda, "transformers", transformers.__version__, "torch.cuda._sleep:", hasattr(torch.cuda, "_sleep"))'
  "${JAVA_HOME:+$JAVA_HOME/bin/}java" -version 2>&1 | head -1
  git -C "$root" describe --always --dirty 2>/dev/null
  echo "--- config"; cat "$config"
} > "$out/machine.txt" 2>&1
say "glyph-supervisor hang-detection proof, $(date -u +%FT%TZ): stall_after ${stall_after}s, probes every 1s, bound ${bound_s}s"

# === 0. the daemon, generation 1 ===================================================================================
"$glyphctl" daemon --config "$config" > "$out/daemon.log" 2>&1 &
daemon=$!
sleep 3
if ! kill -0 "$daemon" 2>/dev/null; then say "FAIL  the daemon did not start:"; cat "$out/daemon.log" | tee -a "$summary"; exit 1; fi
healthy1=$(wait_event runtime_healthy 'r["generation"] == 1' 180)
pass_if "generation 1 healthy (startup $(field "$healthy1" startup_ms) ms)" '[ -n "$healthy1" ]'
[ -n "$healthy1" ] || exit 1
gen1_pids=$(gpu_pids)
say "      generation 1 on the GPU: pids $gen1_pids"
snapshot "generation 1 healthy, idle"

# === 1. healthy traffic: no restart ================================================================================
python3 "$kit/hang_client.py" --url "$base" --threads 8 --report 2 > "$out/client.log" 2>&1 &
client=$!
sleep 2
# One request sized to run longer than stall_after at the step rate under this load (one token per step), so a
# healthy request that no request-end counter sees finish for more than stall_after is part of the healthy phase.
r0=$(steps); sleep 2; r1=$(steps)
long_tokens=$(( (r1 - r0) / 2 * (stall_after + 5) ))
[ "$long_tokens" -lt 200 ] && long_tokens=200; [ "$long_tokens" -gt 7000 ] && long_tokens=7000
( t=$(date +%s%3N)
  curl -s -m 170 -X POST -H 'Content-Type: application/json' -d "{\"prompt\": \"a long one\", \"max_tokens\": $long_tokens}" \
    "$base/v1/completions" > "$work/long.json"
  echo $(( $(date +%s%3N) - t )) > "$work/long.ms" ) &
s0=$(steps); sleep "$healthy_s"
for _ in $(seq 1 600); do [ -s "$work/long.ms" ] && break; sleep 0.1; done # the long request, if still running
s1=$(steps)
running=$(gauge vllm:num_requests_running)
snapshot "after ${healthy_s} s of healthy traffic"
restarts=$(count_events restart_decided)
long_ms=$(cat "$work/long.ms" 2>/dev/null || echo 0)
long_got=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["usage"]["completion_tokens"])' "$work/long.json" 2>/dev/null)
say "      healthy phase: iteration_tokens_total_count $s0 -> $s1, running $running, client ok=$(client_ok); one request of" \
    "$long_tokens tokens answered ${long_got:-nothing} in $long_ms ms"
pass_if "healthy traffic: the step counter moves" '[ "$s1" -gt "$s0" ]'
pass_if "a healthy request longer than stall_after ($long_ms ms > ${stall_after} s) answered in full" \
  '[ "${long_got:-0}" = "$long_tokens" ] && [ "$long_ms" -gt $((stall_after * 1000)) ]'
pass_if "healthy traffic for ${healthy_s} s and more, the long request included: zero restarts" '[ "$restarts" = 0 ]'

# === 2. the hang ===================================================================================================
t_hang=$(date +%s%3N)
say "      POST /admin/fault/hang at $(date -u -d @"${t_hang:0:10}" +%T).${t_hang:10}: $(curl -s -m 5 -X POST "$base/admin/fault/hang")"
sleep 3
h0=$(date +%s%N); code=$(curl -s -o /dev/null -w '%{http_code}' -m 5 "$base/health"); h_ms=$(( ($(date +%s%N) - h0) / 1000000 ))
c0=$(steps); sleep 3; c1=$(steps)
util=$(nvidia-smi --query-gpu=utilization.gpu --format=csv,noheader,nounits | head -1 | tr -d ' ')
pending=$(gauge vllm:num_requests_running)
snapshot "hung for ~6 s (before stall_after)"
say "      hung: /health $code in $h_ms ms, count $c0 -> $c1 in 3 s, running $pending, GPU utilization ${util}%"
pass_if "while hung /health still answers 200 (what a liveness check alone sees)" '[ "$code" = 200 ]'
pass_if "while hung the step counter is flat and work is pending" '[ "$c1" = "$c0" ] && [ "${pending%.*}" -gt 0 ]'
pass_if "while hung the GPU is busy (${util}% >= 90: the spinning kernel)" '[ "${util:-0}" -ge 90 ]'

# === 3. detection ==================================================================================================
decided=$(wait_event "$event" "r[\"generation\"] == 1 and r.get(\"reason\") == \"$reason\"" $((stall_after + 60)))
t_detect=$( [ -n "$decided" ] && ts_ms "$decided" || echo 0)
detect_ms=$((t_detect - t_hang))
say "      $decided"
pass_if "$event with reason $reason" '[ -n "$decided" ]'
say "      detection time ($event.ts - POST hang): ${detect_ms} ms (stall_after ${stall_after} s, probe period 1 s)"
pass_if "detected within ${bound_s} s of the hang (stall_after + probe period + slack), not before stall_after" \
  '[ -n "$decided" ] && [ "$detect_ms" -le $((bound_s * 1000)) ] && [ "$detect_ms" -ge $((stall_after * 1000 - 1000)) ]'

# === 4. release and generation 2 ==================================================================================
stopped=$(wait_event runtime_stopped 'r["generation"] == 1' 60)
released=$(wait_event gpu_released 'r["generation"] == 1' 90)
say "      $stopped"
say "      $released"
old=$(python3 -c 'import json,sys; r=json.loads(sys.argv[1] or "{}"); print(" ".join(str(p) for p in r.get("termed") or r.get("old_pids") or []))' "${stopped:-$released}" 2>/dev/null)
[ -n "$old" ] || old=$gen1_pids
left=""; for p in $(gpu_pids); do for o in $old; do [ "$p" = "$o" ] && left="$left $p"; done; done
pass_if "the old tree's GPU memory released (gpu_released, waited $(field "$released" waited_ms) ms; NVML lists none of [$old])" \
  '[ -n "$released" ] && [ -z "$left" ]'
healthy2=$(wait_event runtime_healthy 'r["generation"] == 2' 180)
pass_if "generation 2 healthy (startup $(field "$healthy2" startup_ms) ms)" '[ -n "$healthy2" ]'
answer=$(curl -s -m 60 -X POST -H 'Content-Type: application/json' -d '{"prompt": "after the restart", "max_tokens": 16}' "$base/v1/completions")
say "      generation 2 answers: ${answer:0:200}"
pass_if "generation 2 serves: a completion answers" \
  'python3 -c "import json,sys; r=json.loads(sys.argv[1]); sys.exit(0 if r[\"choices\"][0][\"text\"] and r[\"usage\"][\"completion_tokens\"] == 16 else 1)" "$answer" 2>/dev/null'
ok0=$(client_ok); g0=$(steps); sleep 10; ok1=$(client_ok); g1=$(steps)
snapshot "generation 2, 10 s of traffic"
say "      generation 2 under the client's load: count $g0 -> $g1 in 10 s, client ok $ok0 -> $ok1"
pass_if "generation 2 steps and the client's requests succeed again" '[ "$g1" -gt "$g0" ] && [ "${ok1:-0}" -gt "${ok0:-0}" ]'
pass_if "one restart in all (no further restart while generation 2 serves)" '[ "$(count_events restart_decided)" = 1 ]'

# === 5. stop ========================================================================================================
kill -TERM "$client"; wait "$client"; client=""
kill -TERM "$daemon"; wait "$daemon"; code=$?; daemon=""
on_gpu=$(gpu_pids)
say "      daemon exit $code; compute processes left on the GPU: ${on_gpu:-none}"
pass_if "SIGTERM to the daemon: nothing of the tree left on the GPU" '[ -z "$on_gpu" ]'
grep SUMMARY "$out/client.log" | tail -1 >> "$summary"
cp "$audit" "$out/audit.jsonl" 2>/dev/null
tail -c 20000 "$work/runtime.log" > "$out/runtime-tail.log" 2>/dev/null
say "== detection time ${detect_ms} ms; $failures check(s) failed"
[ "$failures" = 0 ]
