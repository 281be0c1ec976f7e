#!/usr/bin/env bash
# Smoke test of the hang kit alone (no Java, no daemon): hang_server.py + hang_client.py on a GPU, /metrics read with
# curl before and after POST /admin/fault/hang. Shows that the server generates on the GPU, exposes vLLM's names with
# iteration_tokens_total_count moving, and that after the hang /health still answers 200, the count is flat, the
# running gauge stays > 0 and the GPU is busy (the spin kernel). From the repository root:
#
#   OUT=/tmp/out bash docs/gpu-validation/smoke-hang.sh
set -uo pipefail
kit=$(cd "$(dirname "$0")" && pwd)
out=${OUT:-/tmp/glyph-gpu-hang-smoke}; mkdir -p "$out"
port=${GLYPH_HANG_PORT:-8011}
base=http://127.0.0.1:$port
log="$out/smoke.txt"; : > "$log"
say() { echo "$*" | tee -a "$log"; }
failures=0
check() { if eval "$2"; then say "PASS  $1"; else say "FAIL  $1"; failures=$((failures + 1)); fi; }
count() { curl -s -m 5 "$base/metrics" | awk '/^vllm:iteration_tokens_total_count/ {s += $NF} END {print s + 0}'; }
gauge() { curl -s -m 5 "$base/metrics" | awk -v m="$1" '$1 ~ "^"m"[{ ]" || $1 == m {s += $NF} END {print s + 0}'; }
smi() { nvidia-smi --query-gpu=utilization.gpu,memory.used --format=csv,noheader; nvidia-smi --query-compute-apps=pid,used_memory --format=csv,noheader; }

{ nvidia-smi --query-gpu=name,driver_version,memory.total,memory.used --format=csv
  python3 -c 'import torch, transformers, prometheus_client as p; print("torch", torch.__version__, "cuda", torch.version.cuda, "transformers", transformers.__version__, "torch.cuda._sleep:", hasattr(torch.cuda, "_sleep"))'
} 2>&1 | tee -a "$log"

python3 "$kit/hang_server.py" --port "$port" --device cuda:0 --layers 2 > "$out/server.log" 2>&1 &
server=$!
t0=$(date +%s)
for _ in $(seq 1 300); do curl -s -o /dev/null -m 1 "$base/health" && break; sleep 0.2; done
say "server pid $server healthy after $(( $(date +%s) - t0 )) s"
curl -s "$base/metrics" > "$out/metrics-idle.txt"
python3 "$kit/hang_client.py" --url "$base" --threads 8 --report 2 > "$out/client.log" 2>&1 &
client=$!
sleep 10
c1=$(count); sleep 3; c2=$(count)
run1=$(gauge vllm:num_requests_running); gen=$(gauge vllm:generation_tokens_total)
curl -s "$base/metrics" > "$out/metrics-busy.txt"
say "busy: iteration_tokens_total_count $c1 -> $c2 in 3 s, running $run1, generation_tokens_total $gen"
say "nvidia-smi busy:"; smi | tee -a "$log"
check "the engine steps on the GPU: _count moves under load" '[ "$c2" -gt "$c1" ]'
check "/metrics has vLLM's names with model_name and engine labels" \
  'grep -q "^vllm:num_requests_running{engine=\"0\",model_name=\"hang-gpt2\"}" "$out/metrics-busy.txt" || grep -q "^vllm:num_requests_running{.*model_name=\"hang-gpt2\"" "$out/metrics-busy.txt"'
grep -E '^# TYPE vllm:' "$out/metrics-busy.txt" | tee -a "$log"

t_hang=$(date +%s.%N)
say "hang: $(curl -s -X POST "$base/admin/fault/hang")"
sleep 4
h0=$(date +%s%N); code=$(curl -s -o /dev/null -w '%{http_code}' -m 5 "$base/health"); h_ms=$(( ($(date +%s%N) - h0) / 1000000 ))
c3=$(count); sleep 6; c4=$(count); run2=$(gauge vllm:num_requests_running); wait2=$(gauge vllm:num_requests_waiting)
curl -s "$base/metrics" > "$out/metrics-hung.txt"
say "hung: /health $code in $h_ms ms; _count $c3 -> $c4 over 6 s; running $run2, waiting $wait2"
say "nvidia-smi hung:"; smi | tee -a "$log"
util=$(nvidia-smi --query-gpu=utilization.gpu --format=csv,noheader,nounits | head -1 | tr -d ' ')
check "/health still 200 while hung" '[ "$code" = 200 ]'
check "_count flat while hung" '[ "$c4" = "$c3" ]'
check "work pending while hung (running > 0)" '[ "${run2%.*}" -gt 0 ]'
check "GPU busy while hung (utilization ${util}% >= 90)" '[ "${util:-0}" -ge 90 ]'
grep -E 'FAULT|still hung' "$out/server.log" | head -3 | tee -a "$log"

kill -TERM "$client"; wait "$client"
tail -1 "$out/client.log" | tee -a "$log"
s0=$(date +%s%N); kill -TERM "$server"; wait "$server"; rc=$?
say "server SIGTERM -> exit $rc after $(( ($(date +%s%N) - s0) / 1000000 )) ms"
sleep 1; say "nvidia-smi after:"; smi | tee -a "$log"
say "== $failures check(s) failed"
[ "$failures" = 0 ]
