#!/usr/bin/env bash
# The escaping-worker proof on a real GPU (issue 13.3; docs/gpu-validation.md, "A worker that escapes"). From the
# repository root on a machine with an NVIDIA GPU, PyTorch and pynvml, with the shaded jar and .gpu/jre as for run.sh:
#
#   OUT=/tmp/out bash docs/gpu-validation/escaping.sh
#
# The daemon runs with no locale at all (LANG and LC_* unset, as under systemd or cron) on a launch script named
# 启动服务.sh whose worker calls setsid(), ignores SIGTERM and holds 1 GiB of GPU memory. Checks, one PASS/FAIL line
# each in $OUT/summary.txt: the script launched under its own name; the worker's memory is in the tree (status text);
# `glyphctl restart` SIGKILLs the worker after stop_grace (runtime_stopped names it), NVML lists none of its pids,
# the next generation is healthy; SIGTERM to the daemon leaves no process of the tree and none of its pids on the GPU.
set -uo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
out=${OUT:-/tmp/glyph-gpu-escaping-out}; mkdir -p "$out"
work=/tmp/glyph-gpu-escaping; rm -rf "$work"; mkdir -p "$work"
port=7862
if [ -z "${JAVA_HOME:-}" ] && [ -x "$root/.gpu/jre/bin/java" ]; then export JAVA_HOME="$root/.gpu/jre"; fi
summary="$out/summary.txt"; : > "$summary"; failures=0
say() { echo "$*" | tee -a "$summary"; }
pass_if() { if eval "$2"; then say "PASS  $1"; else say "FAIL  $1"; failures=$((failures + 1)); fi; }
audit="$work/audit.jsonl"
wait_event() { # event python-condition-on-r timeout_s: prints the record
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
gpu_pids() { python3 -c 'import pynvml as n; n.nvmlInit(); h=n.nvmlDeviceGetHandleByIndex(0); print(" ".join(str(p.pid) for p in n.nvmlDeviceGetComputeRunningProcesses(h)))'; }
cat > "$work/escaping.yaml" <<YAML
runtime:
  command: ["$root/docs/gpu-validation/启动服务.sh", "$port"]
  workdir: $work
  port: $port
  startup_timeout: 2m
  stop_grace: 3s
  log: $work/runtime.log
probes:
  schedule: "1s"
  startup_interval: 500ms
  http: {url: "http://127.0.0.1:$port/health", timeout: 5s}
  gpu:
    max_process_memory: 16GiB
    release_timeout: 60s
state_dir: $work/state
audit: {path: $audit}
YAML
{ nvidia-smi --query-gpu=name,driver_version,memory.total,memory.used --format=csv; "$JAVA_HOME/bin/java" -version 2>&1 | head -1; } > "$out/machine.txt" 2>&1

env -u LANG -u LC_ALL -u LC_CTYPE -u LANGUAGE "$root/bin/glyphctl" daemon --config "$work/escaping.yaml" > "$out/daemon.log" 2>&1 &
daemon=$!
healthy=$(wait_event runtime_healthy 'r["generation"] == 1' 120)
pass_if "the launch script 启动服务.sh started under its own name with no locale and became healthy" '[ -n "$healthy" ] && grep -q "启动服务.sh" "$audit"'
# the worker: the pid on the GPU holding ~1 GiB that is not the parent
for _ in $(seq 1 100); do
  worker=$(python3 -c 'import pynvml as n; n.nvmlInit(); h=n.nvmlDeviceGetHandleByIndex(0); print(" ".join(str(p.pid) for p in n.nvmlDeviceGetComputeRunningProcesses(h) if (p.usedGpuMemory or 0) >= 2**30))')
  [ -n "$worker" ] && break; sleep 0.2
done
say "      worker pid(s) holding >= 1 GiB: ${worker:-none}; its session: $(ps -o sid= -p ${worker:-1} 2>/dev/null), parent: $(ps -o ppid= -p ${worker:-1} 2>/dev/null)"
sleep 3
env -u LANG -u LC_ALL "$root/bin/glyphctl" status --config "$work/escaping.yaml" > "$out/status-gen1.txt" 2>&1
pass_if "text status shows the tree's GPU memory (with the setsid'd worker)" 'grep -qi "gpu" "$out/status-gen1.txt"'

s=$(date +%s%N)
env -u LANG -u LC_ALL "$root/bin/glyphctl" restart --config "$work/escaping.yaml" > "$out/restart.txt" 2>&1
restart_ms=$(( ($(date +%s%N) - s) / 1000000 ))
stopped=$(wait_event runtime_stopped 'r["generation"] == 1' 30)
echo "$stopped" > "$out/runtime_stopped.json"
pass_if "the worker ignoring SIGTERM was SIGKILLed after the grace and named (runtime_stopped)" \
  'python3 -c "import json,sys; r=json.loads(sys.argv[1]); w=[int(x) for x in sys.argv[2].split()]; sys.exit(0 if r[\"signal\"]==\"SIGKILL\" and all(p in r[\"survivors_killed\"] for p in w) and r[\"still_alive\"]==[] else 1)" "$stopped" "$worker"'
pass_if "the worker is gone and NVML lists none of its pids" '! kill -0 $worker 2>/dev/null && ! grep -qw "$worker" <<< "$(gpu_pids)"'
released=$(wait_event gpu_released 'r["generation"] == 1' 60); echo "$released" > "$out/gpu_released.json"
healthy2=$(wait_event runtime_healthy 'r["generation"] == 2' 120)
pass_if "gpu_released, then generation 2 healthy (restart took ${restart_ms} ms)" '[ -n "$released" ] && [ -n "$healthy2" ]'
env -u LANG -u LC_ALL "$root/bin/glyphctl" status --config "$work/escaping.yaml" > "$out/status-gen2.txt" 2>&1

tree_before=$(gpu_pids)
kill -TERM "$daemon"; wait "$daemon"; code=$?
left=$(grep -l "GLYPH_SUPERVISOR_STATE_DIR=$work/state" /proc/[0-9]*/environ 2>/dev/null | wc -l)
on_gpu=$(gpu_pids)
say "      daemon exit $code; GPU pids before the stop: $tree_before; after: ${on_gpu:-none}; marked processes left: $left"
pass_if "SIGTERM to the daemon: nothing of the tree left, on the host or on the GPU" '[ "$left" = 0 ] && [ -z "$on_gpu" ]'
cp "$audit" "$out/audit.jsonl"; tail -c 20000 "$work/runtime.log" > "$out/runtime-tail.log" 2>/dev/null
say "escaping: $failures failed"
exit $((failures > 0))
