#!/usr/bin/env bash
# Quiet-machine figures for issues 2 and 5, pinned to 2 CPUs. Runs from the repository root on the device.
set -uo pipefail
out=${OUT:-/tmp/out}; mkdir -p "$out"; exec > >(tee "$out/results.txt") 2>&1
[ -x .gpu/jre17/bin/java ] || { mkdir -p /tmp/b && tar -xJf .gpu/bundle.tar.xz -C /tmp/b && mv /tmp/b/jre17 .gpu/jre17; }
mkdir -p supervisor/target && [ -f supervisor/target/glyphctl.jar ] || cp -r /tmp/b/supervisor/target/. supervisor/target/
export JAVA_HOME=$PWD/.gpu/jre17; java=$JAVA_HOME/bin/java
CPUS=${CPUS:-2,3}; pin="taskset -c $CPUS"
echo "== machine"; nproc; lscpu | grep -E "Model name|^CPU\(s\)"; free -g | head -2; uname -r; $java -version 2>&1 | head -2; python3 --version
echo "pinned to CPUs $CPUS"; uptime
# The CLI archive, as the build (supervisor/pom.xml cli-cds-*) and install.sh make it, with this JVM.
$java -Xshare:off -XX:DumpLoadedClassList=/tmp/glyphctl.classlist -XX:TieredStopAtLevel=1 -XX:+UseSerialGC \
  -cp supervisor/target/glyphctl.jar dev.glyphsupervisor.cli.CdsTraining conf/glyph-supervisor.yaml >/dev/null
$java -Xshare:dump -XX:SharedClassListFile=/tmp/glyphctl.classlist -XX:SharedArchiveFile=supervisor/target/glyphctl.jsa \
  -XX:+UseSerialGC -Xlog:cds*=off -cp supervisor/target/glyphctl.jar >/dev/null
ls -la supervisor/target/glyphctl.jsa
# The default config, pointed at a small HTTP server (the reference runtime is too big to carry here).
port=18655
cat > conf/glyph-supervisor.yaml <<YAML
runtime:
  command: ["python3", "-m", "http.server", "$port", "--bind", "127.0.0.1"]
  port: $port
  stop_grace: 2s
probes:
  schedule: "0 * * * * ?"
  http: {url: "http://127.0.0.1:$port/", timeout: 2s}
state_dir: \${config_dir}/../run/state
YAML
if [ -z "${SKIP_STATUS:-}" ]; then
$pin bin/glyphctl daemon > /tmp/daemon.log 2>&1 &
daemon_job=$!
for i in $(seq 1 100); do bin/glyphctl status >/dev/null 2>&1 && break; sleep 0.3; done
bin/glyphctl status
median() { sort -n | sed -n '10,11p' | tr '\n' ' '; }
run() { # label, command...: 22 runs, the first 2 dropped, median of 20 (the two middle values), min, max
  local label=$1; shift; local xs=()
  for i in $(seq 1 22); do s=$(date +%s%N); "$@" >/dev/null 2>&1; xs+=($(( ($(date +%s%N) - s) / 1000000 ))); done
  printf '%s\n' "${xs[@]:2}" > /tmp/xs; echo "$label: median(10th,11th) $(median < /tmp/xs) min $(sort -n /tmp/xs | head -1) max $(sort -n /tmp/xs | tail -1)"
}
echo "== glyphctl status wall time (ms), 22 runs, first 2 dropped"
run "java hello (same flags as a CLI call)" $pin $java -XX:TieredStopAtLevel=1 -XX:+UseSerialGC -XX:-UsePerfData -cp .gpu H
run "glyphctl status" $pin bin/glyphctl status
run "glyphctl status --json" $pin bin/glyphctl status --json
run "glyphctl status --config conf/glyph-supervisor.yaml (picocli path)" $pin bin/glyphctl status --config conf/glyph-supervisor.yaml
run "glyphctl --version" $pin bin/glyphctl --version
P=$(pgrep -f "glyphctl.jar daemon"); sleep 20; grep -E "VmRSS|RssAnon|RssFile|Threads" /proc/$P/status | tr '\n' ' '; echo "(daemon, default config, after the status runs)"
kill $P; wait $daemon_job
fi
echo "== heal benchmark (HealBenchmark, as -Pbench runs it)"
$pin $java -Dbasedir=$PWD/supervisor -Dbench.kills=50 -Dbench.hangs=5 -Dbench.idle=${IDLE:-60} \
  -cp supervisor/target/glyphctl.jar:supervisor/target/test-classes dev.glyphsupervisor.e2e.HealBenchmark
echo "== done"; uptime
