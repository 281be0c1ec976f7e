#!/usr/bin/env bash
# The shared-GPU proof (issue 13; docs/gpu-validation.md, "A GPU shared with foreign jobs"). On a machine with an NVIDIA
# GPU, PyTorch and pynvml, from the repository root, with the shaded jar and a Java runtime (JAVA_HOME, or the jlink
# image .gpu/jre, as for run.sh):
#
#   OUT=/tmp/out bash docs/gpu-validation/shared.sh
#
# A. glyphctl status (text) on docs/gpu-validation/gpu.yaml, a GPU-only config: it prints the GPU lines (it died with
#    "negative size: -1" before).
# B. A steady server (a parent and a worker holding GPU memory, like vLLM's API server and EngineCore) under the daemon
#    on a config with max_device_memory: 90%, then:
#    C. a foreign CUDA job (python + torch) takes 25 % of the device after the launch, and the server dies: the release
#       judges the old tree only, so the relaunch comes at once (it was refused into a crash loop before);
#    D. a foreign job pushes the device over max_device_memory: the server keeps running (device_over_limit);
#    E. the server dies while that job holds the device: the launch waits (gpu_busy, launch_refused), never a crash
#       loop, and comes back as soon as the job ends, as the next generation;
#    F. SIGTERM to the daemon while a foreign job holds memory: the stop does not wait out release_timeout.
# Everything lands in $OUT: summary.txt (one PASS/FAIL line per check, the figures), the status texts, the audit log,
# the daemon's output. Exit 0 when every check passed. About two minutes.
#
# GLYPH_GPU_DRY=1 runs the same script with no GPU: the fake libnvidia-ml.so.1 of the probes build charges the memory
# (probes/target/fake-nvml), the servers and the foreign job allocate nothing; JAVA_HOME or java on the PATH. The tests
# run it that way (GpuValidationKitTest), so the script's own logic is checked where there is no GPU.
set -uo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
kit="$root/docs/gpu-validation"
out=${OUT:-/tmp/glyph-gpu-shared-out}
dry=${GLYPH_GPU_DRY:-0}
work=${GLYPH_GPU_WORK:-/tmp/glyph-gpu-shared}
port=${GLYPH_GPU_PORT:-7861}
mkdir -p "$out"
rm -rf "$work"; mkdir -p "$work"
if [ -z "${JAVA_HOME:-}" ] && [ -x "$root/.gpu/jre/bin/java" ]; then export JAVA_HOME="$root/.gpu/jre"; fi
glyphctl="$root/bin/glyphctl"
summary="$out/summary.txt"; : > "$summary"
failures=0
pids_to_kill=()
daemons=()
fake="$root/probes/target/fake-nvml/current/libnvidia-ml.so.1"
nvml_script="$work/nvml-script.txt"
dry_flag=""; [ "$dry" = 1 ] && dry_flag="--dry"

say() { echo "$*" | tee -a "$summary"; }
check() { # name, then a command that succeeds when the check passes
  local name=$1; shift
  if "$@"; then say "PASS  $name"; else say "FAIL  $name"; failures=$((failures + 1)); fi
}
cleanup() { # a daemon still up (a phase that failed) stops its server itself; the foreign jobs are killed
  for d in "${daemons[@]}"; do kill -TERM "$d" 2>/dev/null; done
  for d in "${daemons[@]}"; do for _ in $(seq 1 300); do kill -0 "$d" 2>/dev/null || break; sleep 0.1; done; done
  for p in "${pids_to_kill[@]}"; do kill -9 "$p" 2>/dev/null; done
}
start_daemon() { # config log: the daemon in $daemon; stops the script if it does not come up
  "$glyphctl" daemon --config "$1" > "$2" 2>&1 &
  daemon=$!; daemons+=("$daemon"); pids_to_kill+=("$daemon")
  sleep 3
  if ! kill -0 "$daemon" 2>/dev/null; then
    say "FAIL  the daemon did not start ($2):"; cat "$2" | tee -a "$summary"; exit 1
  fi
}
trap cleanup EXIT

# --- the audit log, read with python (json): wait for / count / pick records --------------------------------------
cat > "$work/auditq.py" <<'PY'
import json, sys, time
def records(path):
    try:
        with open(path) as f:
            for line in f:
                try:
                    yield json.loads(line)
                except ValueError:
                    pass
    except OSError:
        return
def match(r, event, after, where):
    return r.get("event") == event and r.get("seq", 0) > after and (not where or eval(where, {}, {"r": r}))
cmd, path, event = sys.argv[1], sys.argv[2], sys.argv[3]
after = int(sys.argv[4]) if len(sys.argv) > 4 and sys.argv[4] else 0
where = sys.argv[5] if len(sys.argv) > 5 else ""
if cmd == "seq":          # the last seq written
    print(max([r.get("seq", 0) for r in records(path)] or [0]))
elif cmd == "count":
    print(sum(1 for r in records(path) if match(r, event, after, where)))
elif cmd == "wait":       # the first matching record (JSON), or exit 1 after the timeout in $6 seconds
    deadline = time.time() + float(sys.argv[6] if len(sys.argv) > 6 else 30)
    while time.time() < deadline:
        found = [r for r in records(path) if match(r, event, after, where)]
        if found:
            print(json.dumps(found[0]))
            sys.exit(0)
        time.sleep(0.1)
    sys.exit(1)
PY
aq() { python3 "$work/auditq.py" "$@"; }
field() { # json key...: one value of a record
  python3 -c 'import json,sys
v = json.loads(sys.argv[1])
for k in sys.argv[2:]:
    v = v[int(k)] if isinstance(v, list) else v[k]
print(v)' "$@"
}
status_json() { "$glyphctl" status --json --config "$1" 2>/dev/null; }

# --- the fake NVML of the dry run: who holds what is written here; on a GPU the driver knows -----------------------
fake_server_bytes=$((1024 * 1024 * 1024))
declare -A fake_foreign=()
fake_write() { # state_dir of the supervised server
  [ "$dry" = 1 ] || return 0
  {
    echo "device GPU-00000000-fake-0000-0000-000000000000 $((80 * 1024 * 1024 * 1024)) auto NVIDIA H100 80GB HBM3 (fake)"
    echo "marked 0 GLYPH_SUPERVISOR_STATE_DIR=$1 $fake_server_bytes"
    echo "linger 100 0"
    for p in "${!fake_foreign[@]}"; do echo "process 0 $p ${fake_foreign[$p]}"; done
  } > "$nvml_script.tmp" && mv "$nvml_script.tmp" "$nvml_script"
}
if [ "$dry" = 1 ]; then
  [ -f "$fake" ] || { echo "dry run: no $fake (build the probes module first)"; exit 2; }
  export FAKE_NVML_SCRIPT="$nvml_script"
fi

# A foreign CUDA job of $2 GiB; its pid in $foreign. The dry run charges it to the fake device.
foreign=""
start_foreign() { # state_dir gib
  local log="$work/foreign-$RANDOM.log"
  python3 "$kit/foreign_gpu.py" --gib "$2" $dry_flag > "$log" 2>&1 &
  foreign=$!; pids_to_kill+=("$foreign")
  for _ in $(seq 1 600); do grep -q READY "$log" && break; sleep 0.1; done
  if [ "$dry" = 1 ]; then fake_foreign[$foreign]=$(python3 -c "print(int($2 * 2**30))"); fake_write "$1"; fi
  say "      foreign job pid $foreign holds $2 GiB ($(grep -c READY "$log") ready)"
}
stop_foreign() { # state_dir pid
  kill -9 "$2" 2>/dev/null; wait "$2" 2>/dev/null
  if [ "$dry" = 1 ]; then unset "fake_foreign[$2]"; fake_write "$1"; fi
}

{
  echo "== machine ($( [ "$dry" = 1 ] && echo 'DRY RUN: fake NVML, no GPU' || echo GPU))"
  [ "$dry" = 1 ] || nvidia-smi --query-gpu=name,driver_version,memory.total,memory.used --format=csv
  [ "$dry" = 1 ] || python3 -c 'import torch; print("torch", torch.__version__, "cuda", torch.version.cuda)'
  "${JAVA_HOME:+$JAVA_HOME/bin/}java" -version 2>&1 | head -1
  git -C "$root" describe --always --dirty 2>/dev/null
} > "$out/machine.txt" 2>&1
say "glyph-supervisor shared-GPU proof, $(date -u +%FT%TZ), $( [ "$dry" = 1 ] && echo 'dry run (fake NVML)' || echo 'real GPU')"

# === A. glyphctl status (text) on gpu.yaml: GPU without host memory ==============================================
say "== A. status on a GPU-only config (docs/gpu-validation/gpu.yaml)"
gpu_yaml="$kit/gpu.yaml"
if [ "$dry" = 1 ]; then # the same config, with the fake library, a server without CUDA, and paths of its own
  gpu_yaml="$work/gpu.yaml"
  sed -e "s#/tmp/glyph-gpu#$work/gpu#g" -e "s#\[\"bash\", \"gpu_server.sh\", \"7860\"\]#[\"python3\", \"$kit/steady_server.py\", \"$port\", \"--dry\"]#" \
      -e "s#127.0.0.1:7860#127.0.0.1:$port#" -e "s#port: 7860#port: $port#" -e "s#workdir: \${config_dir}#workdir: $kit#" \
      -e "s#^  gpu:#  gpu:\n    library: \"$fake\"#" "$kit/gpu.yaml" > "$gpu_yaml"
  fake_write "$work/gpu/state"
else
  rm -rf /tmp/glyph-gpu; mkdir -p /tmp/glyph-gpu
fi
gpu_audit=$(sed -n 's/^audit: {path: \(.*\)}$/\1/p' "$gpu_yaml")
start_daemon "$gpu_yaml" "$out/daemon-A.log"
aq wait "$gpu_audit" runtime_healthy "" "" 120 > /dev/null
for _ in $(seq 1 100); do # a liveness reading of the tree's GPU memory
  status_json "$gpu_yaml" | python3 -c 'import json,sys; sys.exit(0 if isinstance(json.load(sys.stdin)["gpu"].get("tree_bytes"), int) else 1)' && break
  sleep 0.2
done
"$glyphctl" status --config "$gpu_yaml" > "$out/A-status.txt" 2> "$out/A-status.err"; a_exit=$?
status_json "$gpu_yaml" > "$out/A-status.json"
cat "$out/A-status.txt" >> "$summary"
check "A  text status on gpu.yaml exits 0 (was 1: negative size: -1)" test "$a_exit" = 0
check "A  it prints the server's GPU line" grep -q '^  gpu         server ' "$out/A-status.txt"
check "A  it prints a line per device: used of total, limit" grep -qE '^  gpu [0-9]+ +.* used of .* \(limit ' "$out/A-status.txt"
check "A  nothing on stderr" test ! -s "$out/A-status.err"
kill -TERM "$daemon"; wait "$daemon"
cp "$gpu_audit" "$out/A-audit.jsonl" 2>/dev/null

# === B. the steady server on a device shared with foreign jobs ==================================================
state="$work/state"
audit="$work/audit.jsonl"
config="$work/shared.yaml"
cat > "$config" <<EOF
# shared.sh: a steady server (parent + worker) on a GPU shared with foreign jobs.
runtime:
  command: ["python3", "$kit/steady_server.py", "$port"$( [ "$dry" = 1 ] && echo ', "--dry"')]
  workdir: $kit
  port: $port
  startup_timeout: 2m
  stop_grace: 5s
  log: $work/runtime.log
probes:
  schedule: "1s"
  failure_threshold: 2
  startup_interval: 500ms
  http: {url: "http://127.0.0.1:$port/health", timeout: 5s}
  gpu:
    max_process_memory: 16GiB
    max_device_memory: 90%
    release_timeout: 30s
    release_margin: 256MiB$( [ "$dry" = 1 ] && printf '\n    library: "%s"' "$fake")
restart:
  backoff_initial: 2s
  backoff_max: 8s
  crash_loop: {max_restarts: 3, window: 5m}
state_dir: $state
audit: {path: $audit}
EOF
fake_write "$state"
say "== B. a steady server under the daemon (max_device_memory 90%, release_timeout 30s, crash loop at 3 restarts)"
start_daemon "$config" "$out/daemon-B.log"
aq wait "$audit" runtime_healthy "" "" 120 > /dev/null
tree_read() { status_json "$config" | python3 -c 'import json,sys; s=json.load(sys.stdin); t=s["gpu"].get("tree_bytes"); print(t if isinstance(t,int) and s["gpu"]["reading"]["current"] else "")'; }
for _ in $(seq 1 100); do [ -n "$(tree_read)" ] && break; sleep 0.2; done
"$glyphctl" status --config "$config" > "$out/B-status.txt" 2>&1; cat "$out/B-status.txt" >> "$summary"
"$glyphctl" probe --config "$config" > "$out/B-probe.txt" 2>&1; cat "$out/B-probe.txt" >> "$summary"
[ "$dry" = 1 ] || nvidia-smi --query-compute-apps=pid,used_memory --format=csv,noheader > "$out/B-nvidia-smi.txt" 2>&1
check "B  glyphctl probe counts the server's whole tree (more than the listener)" \
  grep -qE 'server pids \[[0-9]+(, [0-9]+)+\]' "$out/B-probe.txt"
dev() { status_json "$config" | python3 -c "import json,sys; d=json.load(sys.stdin)['gpu']['devices'][0]; print(d['$1'])"; }
total=$(dev total)
gib() { python3 -c "print(round($1 / 2**30, 1))"; }
say "      device total $(gib "$total") GiB, server tree $(gib "$(tree_read)") GiB"

# === C. foreign memory that appeared after the launch does not hold the relaunch ==================================
say "== C. a foreign job takes 25% after the launch; the server dies"
start_foreign "$state" "$(python3 -c "print(round($total * 0.25 / 2**30, 1))")"
c_foreign=$foreign
sleep 2
seq0=$(aq seq "$audit" x)
pid=$(status_json "$config" | python3 -c 'import json,sys; print(json.load(sys.stdin)["pid"])')
t0=$(date +%s%N); kill -9 "$pid"
released=$(aq wait "$audit" gpu_released "$seq0" "" 60)
relaunched=$(aq wait "$audit" runtime_healthy "$seq0" "" 120); t1=$(date +%s%N)
say "      $released"
check "C  gpu_released (the old tree's pids gone; the foreign job's memory is its own)" test -n "$released"
check "C  released within 5 s (release_timeout is 30 s)" test "$( [ -n "$released" ] && field "$released" waited_ms || echo 99999)" -lt 5000
check "C  healthy again, no gpu_release_failed, no crash_loop" \
  test -n "$relaunched" -a "$(aq count "$audit" gpu_release_failed "$seq0")" = 0 -a "$(aq count "$audit" crash_loop "$seq0")" = 0
say "      death to healthy: $(( (t1 - t0) / 1000000 )) ms"
stop_foreign "$state" "$c_foreign"

# === D. a foreign job pushes the device over max_device_memory: the server keeps running ========================
say "== D. a foreign job pushes the device over max_device_memory (90%)"
for _ in $(seq 1 100); do [ -n "$(tree_read)" ] && break; sleep 0.2; done
used=$(dev used)
big=$(python3 -c "print(round(max(1.0, ($total * 0.93 - $used) / 2**30 - 1), 1))")
seq0=$(aq seq "$audit" x)
pid=$(status_json "$config" | python3 -c 'import json,sys; print(json.load(sys.stdin)["pid"])')
start_foreign "$state" "$big"
d_foreign=$foreign
over=$(aq wait "$audit" device_over_limit "$seq0" "" 30)
sleep 5 # five more probe cycles
"$glyphctl" status --config "$config" > "$out/D-status.txt" 2>&1; cat "$out/D-status.txt" >> "$summary"
check "D  device_over_limit names the foreign job" test -n "$over" -a -n "$(echo "$over" | grep "\"$d_foreign\"")"
check "D  no restart: the server keeps running (same pid)" \
  test "$(aq count "$audit" restart_decided "$seq0")" = 0 -a "$(status_json "$config" | python3 -c 'import json,sys; print(json.load(sys.stdin)["pid"])')" = "$pid"
check "D  status shows the device over its limit and who holds it" grep -qE "^  gpu 0 .*others .*pid $d_foreign" "$out/D-status.txt"

# === E. the server dies while the foreign job fills the device: gpu_busy, retried, no crash loop =================
say "== E. the server dies while the foreign job holds the device"
seq0=$(aq seq "$audit" x)
generation=$(status_json "$config" | python3 -c 'import json,sys; print(json.load(sys.stdin)["generation"])')
kill -9 "$pid"
busy=$(aq wait "$audit" gpu_busy "$seq0" "" 60)
aq wait "$audit" launch_refused "$seq0" "r['attempt'] >= 3" 60 > /dev/null
"$glyphctl" status --config "$config" > "$out/E-status.txt" 2>&1; e_exit=$?; cat "$out/E-status.txt" >> "$summary"
say "      $busy"
check "E  gpu_busy names who holds how much and what the server needs" test -n "$busy" -a -n "$(echo "$busy" | grep "\"$d_foreign\"" | grep needs)"
check "E  three refused launches: one restart decided, no crash_loop, no launch" \
  test "$(aq count "$audit" restart_decided "$seq0")" = 1 -a "$(aq count "$audit" crash_loop "$seq0")" = 0 \
       -a "$(aq count "$audit" runtime_launched "$seq0")" = 0
check "E  status says why it waits (exit 1)" test "$e_exit" = 1 -a -n "$(grep '^  waiting     launch refused (gpu_busy)' "$out/E-status.txt")"
t0=$(date +%s%N); stop_foreign "$state" "$d_foreign"
back=$(aq wait "$audit" runtime_healthy "$seq0" "" 60); t1=$(date +%s%N)
check "E  back as soon as it fits, as the next generation ($((generation + 1)))" \
  test -n "$back" -a "$( [ -n "$back" ] && field "$back" generation)" = "$((generation + 1))"
say "      foreign job gone to healthy: $(( (t1 - t0) / 1000000 )) ms (the retry backoff is at most 8 s)"

# === F. the daemon's stop with a foreign job present ==============================================================
say "== F. SIGTERM to the daemon while a foreign job holds memory"
start_foreign "$state" 2
t0=$(date +%s%N); kill -TERM "$daemon"; wait "$daemon"; f_exit=$?; t1=$(date +%s%N)
f_ms=$(( (t1 - t0) / 1000000 ))
say "      stop took $f_ms ms, exit $f_exit"
check "F  the daemon stopped in under 15 s (release_timeout is 30 s), exit 143" test "$f_ms" -lt 15000 -a "$f_exit" = 143
[ "$dry" = 1 ] || { echo "== compute processes after the stop (expect only the foreign job $foreign)"; \
  nvidia-smi --query-compute-apps=pid,used_memory --format=csv,noheader; } >> "$summary" 2>&1
stop_foreign "$state" "$foreign"

cp "$audit" "$out/audit.jsonl"
grep -hE '"event":"(restart_decided|runtime_stopped|gpu_released|gpu_release_failed|gpu_busy|launch_refused|device_over_limit|device_within_limit|crash_loop|runtime_launched|runtime_healthy)"' \
  "$audit" > "$out/audit-gpu-lines.jsonl"
tail -c 20000 "$work/runtime.log" > "$out/runtime-tail.log" 2>/dev/null
say "== $failures check(s) failed"
[ "$failures" = 0 ]
