#!/usr/bin/env bash
# The real-GPU proof (docs/gpu-validation.md). Run from the repository root on a machine with an NVIDIA
# GPU, PyTorch and a Java runtime (JAVA_HOME, or .gpu/jre made by `jlink`, see the doc), after
# `./mvnw -B package -DskipTests` built supervisor/target/glyphctl.jar. Writes its evidence to ${OUT:-/tmp/glyph-gpu-out}.
set -uo pipefail
out=${OUT:-/tmp/glyph-gpu-out}; mkdir -p "$out"
export JAVA_HOME=${JAVA_HOME:-$PWD/.gpu/jre}
java="$JAVA_HOME/bin/java"
jar=supervisor/target/glyphctl.jar
dump() { "$java" -cp "$jar" dev.glyphsupervisor.probes.gpu.NvmlDump "$@"; }
rm -rf /tmp/glyph-gpu; mkdir -p /tmp/glyph-gpu
{
  echo "== machine"; nvidia-smi --query-gpu=name,driver_version,memory.total,memory.used --format=csv
  "$java" -version 2>&1 | head -1; python3 -c 'import torch; print("torch", torch.__version__, "cuda", torch.version.cuda)'
  echo "== NvmlDump before the daemon (idle GPU)"; dump --iterations 200
} > "$out/machine.txt" 2>&1

# The daemon, as systemd would start it: bin/glyphctl execs the JVM.
bin/glyphctl daemon --config docs/gpu-validation/gpu.yaml > "$out/daemon.log" 2>&1 &
daemon=$!
audit=/tmp/glyph-gpu/audit.jsonl
wait_for() { # event [generation] timeout_s
  for _ in $(seq 1 $(( $3 * 10 ))); do
    grep -q "\"event\":\"$1\",\"generation\":$2" "$audit" 2>/dev/null && return 0; sleep 0.1
  done; echo "timed out waiting for $1 gen $2" >> "$out/compare.txt"; return 1
}
wait_for runtime_healthy 1 120

# While it creeps: the same moment through three readers — nvidia-smi, pynvml, and our JNA binding.
{
  # First a frozen moment: the leaking worker is SIGSTOPped (the parent keeps answering /health), so the
  # three readers see the same memory and must agree to the MiB; then it creeps on.
  sleep 3
  worker=$(nvidia-smi --query-compute-apps=pid,used_memory --format=csv,noheader | sort -t, -k2 -n | tail -1 | cut -d, -f1)
  kill -STOP "$worker"; sleep 0.5
  echo "== frozen: worker $worker stopped"
  echo "nvidia-smi:"; nvidia-smi --query-compute-apps=pid,used_memory --format=csv,noheader
  echo "pynvml:"; python3 -c 'import pynvml as n; n.nvmlInit(); h=n.nvmlDeviceGetHandleByIndex(0); [print(f"{p.pid}, {p.usedGpuMemory // 2**20} MiB ({p.usedGpuMemory} bytes)") for p in n.nvmlDeviceGetComputeRunningProcesses(h)]'
  echo "glyph NvmlDump:"; dump --iterations 1 | grep -E "^ +pid|GpuMemoryProbe"
  kill -CONT "$worker"
  echo "== per-pid GPU memory, sampled each second until the restart (MiB)"
  for i in $(seq 1 40); do
    grep -q '"event":"restart_decided"' "$audit" && break
    echo "-- t=$i  nvidia-smi:"; nvidia-smi --query-compute-apps=pid,used_memory --format=csv,noheader
    echo "   pynvml:"; python3 - <<'PY'
import pynvml
pynvml.nvmlInit()
h = pynvml.nvmlDeviceGetHandleByIndex(0)
for p in pynvml.nvmlDeviceGetComputeRunningProcesses(h):
    print(f"   {p.pid}, {p.usedGpuMemory // 2**20} MiB")
PY
    echo "   glyph NvmlDump:"; dump --iterations 1 | grep -E "^ +pid|process" | sed 's/^/   /'
    sleep 0.5
  done
} > "$out/compare.txt" 2>&1

wait_for restart_decided 1 60
wait_for gpu_released 1 90
wait_for runtime_healthy 2 120
tree=$(grep '"event":"restart_decided"' "$audit" | head -1 | python3 -c 'import json,sys; print(" ".join(json.loads(sys.stdin.read())["per_pid"].keys()))')
{
  echo "== cost of one GpuMemoryProbe.read (the probe cycle's NVML part), tree of generation 2"
  pids=$(nvidia-smi --query-compute-apps=pid --format=csv,noheader | tr '\n' ' ')
  dump --iterations 1000 $pids
  echo "== nvidia-smi costs, for comparison (10 runs)"
  s=$(date +%s%N); for _ in $(seq 1 10); do nvidia-smi --query-compute-apps=pid,used_memory --format=csv,noheader >/dev/null; done
  echo "nvidia-smi --query-compute-apps: $(( ($(date +%s%N) - s) / 10000000 )) ms per call"
  echo "== old tree of generation 1 (from restart_decided.per_pid): $tree"
} > "$out/cost.txt" 2>&1

kill -TERM $daemon; wait $daemon; echo "daemon exit $?" >> "$out/daemon.log"
{ echo "== after SIGTERM to the daemon: compute processes left on the GPU (expect none)"
  nvidia-smi --query-compute-apps=pid,used_memory --format=csv,noheader; } >> "$out/cost.txt" 2>&1
cp "$audit" "$out/audit.jsonl"; cp /tmp/glyph-gpu/runtime.log "$out/runtime.log" 2>/dev/null
tail -c 20000 "$out/runtime.log" > "$out/runtime-tail.log" 2>/dev/null; rm -f "$out/runtime.log"
