#!/usr/bin/env bash
# run.sh: the unit under a real systemd, judged. Boots systemd 252 (PID 1) in a systemd-nspawn container on a host
# where systemd is NOT PID 1, installs glyph-supervisor there with its own systemd/install.sh exactly as the README
# says, runs the checks of docs/systemd.md ("Checking the unit under a real systemd") and prints one line per check,
# "PASS name: figures" or "FAIL name: why", then a summary. Exit 0 only if every check passed.
#
#   sudo systemd/check/run.sh [SRC_TREE]    SRC_TREE: a built checkout (default: this one); it needs
#                                            supervisor/target/glyphctl.jar and model-runtime/reference/target/reference-runtime.jar
#
# Needs root, ~10 minutes (plus ~1.5 min and ~600 MB the first time, for the rootfs), Debian's systemd-container and
# debootstrap packages (installed if missing) and a Debian mirror the first time. The bounds are at the top of
# checks.py (the part that runs inside the container); this file only boots, copies and collects.
#
# Environment:
#   SD_ROOT=/var/tmp/glyph-sd-root   the container's rootfs: made with debootstrap on first use, reused after
#   OUT=/var/tmp/glyph-sd-check/DATE where the evidence goes: one file per check (NN-name.txt), the journal, the audit log
#   ONLY="name name ..."             run only these checks (install always runs first); for developing a check
#   KEEP=1                           leave the container running at the end (default: power it off)
#   OTHER_NSPAWN_OK=1                run although another systemd-nspawn runs on this machine (see below)
#
# Networking: --private-network, so the container has only its own loopback; nothing in it can reach out.
# Cgroups: SYSTEMD_NSPAWN_UNIFIED_HIERARCHY=1 gives the container a pure cgroup v2 tree (the CI host is a hybrid
# v1/v2 setup with every controller on v1; systemd in the container copes without cpu/memory/pids controllers).
set -euo pipefail

HERE=$(cd "$(dirname "$(readlink -f "$0")")" && pwd)
SRC=$(cd "${1:-$HERE/../..}" && pwd)
ROOT=${SD_ROOT:-/var/tmp/glyph-sd-root}
OUT=${OUT:-/var/tmp/glyph-sd-check/$(date +%Y%m%d-%H%M%S)}
MACHINE=glyph-sdcheck
# Debian's mirror, as this machine's apt already uses it (the first URIs: line of its deb822 sources)
MIRROR=${DEBIAN_MIRROR:-$(awk '/^URIs:/{print $2; exit}' /etc/apt/sources.list.d/*.sources 2>/dev/null || true)}
# A check that has not printed its verdict by then is stuck: the longest (the frozen event loop) needs ~2.5 min.
CHECK_TIMEOUT_S=420
# The container must answer `systemctl is-system-running` within this (it takes ~2-5 s).
BOOT_TIMEOUT_S=60

[ "$(id -u)" -eq 0 ] || { echo "run.sh: needs root (it boots a container)" >&2; exit 2; }
for jar in supervisor/target/glyphctl.jar model-runtime/reference/target/reference-runtime.jar; do
  [ -f "$SRC/$jar" ] || { echo "run.sh: $SRC/$jar is missing: build first with ./mvnw -B package -DskipTests" >&2; exit 2; }
done
mkdir -p "$OUT"
log() { echo "== $(date +%T) $*" >&2; }

# --- the tools and the rootfs: minimal bookworm with systemd as init, a JRE and python3 (~1.5 min, ~600 MB) ----------
if ! command -v systemd-nspawn >/dev/null || ! command -v debootstrap >/dev/null; then
  apt-get update >&2 && apt-get install -y systemd-container debootstrap >&2
fi
if [ ! -x "$ROOT/usr/lib/systemd/systemd" ]; then
  log "making the rootfs in $ROOT (debootstrap, once)"
  debootstrap --variant=minbase \
    --include=systemd,systemd-sysv,dbus,openjdk-17-jre-headless,curl,procps,python3,util-linux,iproute2 \
    bookworm "$ROOT" "$MIRROR" >&2
fi
echo $MACHINE >"$ROOT/etc/hostname"
printf '127.0.0.1 localhost\n::1 localhost ip6-localhost\n127.0.1.1 %s\n' $MACHINE >"$ROOT/etc/hosts"
rm -f "$ROOT"/etc/systemd/system/timers.target.wants/apt-daily*.timer   # no network anyway; keep the box quiet
install -D -m 0755 "$HERE/checks.py" "$ROOT/usr/local/lib/glyph-check/checks.py"

# --- the project tree as a user would have it: no .git, no target/ except the jars install.sh copies -----------------
rm -rf "$ROOT/root/glyph-supervisor" && mkdir -p "$ROOT/root/glyph-supervisor"
(cd "$SRC" && tar --exclude=.git --exclude=target -cf - .) | tar -xf - -C "$ROOT/root/glyph-supervisor"
mkdir -p "$ROOT/root/glyph-supervisor/supervisor/target" "$ROOT/root/glyph-supervisor/model-runtime/reference/target"
cp -p "$SRC/supervisor/target/glyphctl.jar" "$ROOT/root/glyph-supervisor/supervisor/target/"
cp -p "$SRC/model-runtime/reference/target/reference-runtime.jar" "$ROOT/root/glyph-supervisor/model-runtime/reference/target/"
# which code is judged: the commit, "-dirty" when the tree has uncommitted changes to tracked files
COMMIT=$(git -C "$SRC" describe --always --dirty --abbrev=7 2>/dev/null || echo "$SRC (not a git checkout)")
{ echo "$COMMIT"; git -C "$SRC" log -1 --format='%h %ci %s' 2>/dev/null; git -C "$SRC" status --short 2>/dev/null | head -20; } \
  >"$OUT/commit.txt" || true

# --- the container ------------------------------------------------------------------------------------------------------
nspawn_pid() { pgrep -n -f "^systemd-nspawn -D $ROOT " || true; }

# in_c CMD: run CMD (bash) inside the container, in the namespaces of its PID 1 (no machined on the host, so no
# machinectl), with a clean environment.
in_c() {
  local nspawn pid
  nspawn=$(nspawn_pid); [ -n "$nspawn" ] || return 1
  pid=$(pgrep -n -P "$nspawn" -f '^/usr/lib/systemd/systemd$' || true); [ -n "$pid" ] || return 1
  nsenter -t "$pid" -m -u -i -n -p -C -r -w env -i PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin \
    HOME=/root LANG=C.UTF-8 SYSTEMD_COLORS=0 SYSTEMD_PAGER= bash -c "$1"
}

# --register=no: no machined on the host; --keep-unit: do not ask a (missing) host manager for a scope. nspawn is not
# a service here, so a reboot inside ends it (exit 133) and boot() starts it again.
# With --keep-unit nspawn puts itself and the container into "supervisor" and "payload" cgroups below the cgroup it
# was started in; started from the root cgroup, as a plain shell is on a host without systemd, that is /payload, which
# any other container started the same way would share. So nspawn starts from a cgroup of its own, $MACHINE, in each
# hierarchy that has one per process (the unified one and, on a hybrid host, name=systemd).
own_cgroup() {
  local h
  for h in /sys/fs/cgroup/unified /sys/fs/cgroup/systemd /sys/fs/cgroup; do
    case "$(stat -fc %T "$h" 2>/dev/null)" in cgroup2fs|cgroupfs) ;; *) continue ;; esac
    [ "$h" != /sys/fs/cgroup ] || [ "$(stat -fc %T /sys/fs/cgroup)" = cgroup2fs ] || continue
    [ -f "$h/cgroup.procs" ] || continue
    mkdir -p "$h/$MACHINE" && echo "$BASHPID" >"$h/$MACHINE/cgroup.procs"
  done
}
boot() {
  (own_cgroup
   SYSTEMD_NSPAWN_UNIFIED_HIERARCHY=1 exec systemd-nspawn -D "$ROOT" -M $MACHINE -b --register=no --keep-unit \
     --private-network --console=read-only >>"$OUT/nspawn-console.log" 2>&1) &
  NSPAWN_JOB=$!
  local deadline=$((SECONDS + BOOT_TIMEOUT_S))
  while [ $SECONDS -lt $deadline ]; do
    if in_c 'systemctl is-system-running --wait' 2>/dev/null | grep -qE 'running|degraded'; then return 0; fi
    sleep 0.3
  done
  echo "run.sh: the container did not boot within ${BOOT_TIMEOUT_S} s; see $OUT/nspawn-console.log" >&2
  exit 2
}

wait_gone() { for _ in $(seq 1 150); do [ -n "$(nspawn_pid)" ] || return 0; sleep 0.2; done; return 1; }

# One container at a time on this machine: two booted systemds fight over nothing, but they share 2 cores, and
# timings judged against bounds must not pay for someone else's container.
# OTHER_NSPAWN_OK=1 overrides it, e.g. for a foreign container that is stopped and idle: each run has its own cgroup
# subtree, machine name and rootfs, so the two do not collide, but the other one's CPU use falls on our bounds.
if [ -z "${OTHER_NSPAWN_OK:-}" ] && pgrep -f '^systemd-nspawn ' >/dev/null; then
  echo "run.sh: a systemd-nspawn container is already running here ($(pgrep -af '^systemd-nspawn ' | head -1)); wait for it" >&2
  exit 2
fi

: >"$OUT/nspawn-console.log"
log "booting $MACHINE from $ROOT; evidence in $OUT"
boot
SYSTEMD_VERSION=$(in_c 'systemctl --version | head -1' | awk '{print $2}')
log "booted: systemd $SYSTEMD_VERSION, $(in_c 'stat -fc %T /sys/fs/cgroup')"

# --- the checks ---------------------------------------------------------------------------------------------------------
declare -a RESULTS=()
n=0
# check NAME [ARGS]: run one check inside; its evidence goes to $OUT/NN-NAME.txt, its verdict line to stdout.
check() {
  local name=$1 file verdict
  shift
  n=$((n + 1))
  file=$(printf '%s/%02d-%s.txt' "$OUT" "$n" "$name")
  log "$name"
  timeout --kill-after=10 $CHECK_TIMEOUT_S bash -c "$(declare -f in_c nspawn_pid); ROOT='$ROOT'; \
    in_c 'python3 /usr/local/lib/glyph-check/checks.py $name $*'" >"$file" 2>&1 || true
  verdict=$(grep -a '^RESULT ' "$file" | tail -n 1 | sed 's/^RESULT //')
  [ -n "$verdict" ] || verdict="FAIL $name: no verdict (the check crashed or ran past ${CHECK_TIMEOUT_S} s; see $file)"
  echo "$verdict"
  RESULTS+=("$verdict")
}
wanted() { [ -z "${ONLY:-}" ] || [[ " $ONLY " == *" $1 "* ]]; }

if ! in_c 'python3 /usr/local/lib/glyph-check/checks.py reset' >"$OUT/00-reset.txt" 2>&1; then
  echo "run.sh: could not remove an earlier install from the container: $(grep '^RESULT' "$OUT/00-reset.txt")" >&2
  exit 2
fi
# Order: install first (everything needs it) and the security/verify of the unit as shipped (before any drop-in);
# the faults next; the broken-config checks late (they restore the config); the reboot last.
check install
for name in security start-ready permissions silent-client kill-runtime watchdog-stopped-jvm watchdog-frozen-loop \
            sigkill-mainpid systemctl-kill stop-restart generations journal-priorities install-failure; do
  wanted "$name" && check "$name"
done

# the journal and the audit log of this boot before the reboot clears the (volatile) journal
in_c "journalctl -b -o short-precise --no-pager" >"$OUT/journal-before-reboot.txt" 2>&1 || true
in_c "cat /var/log/glyph-supervisor/audit.jsonl" >"$OUT/audit.jsonl" 2>&1 || true

if wanted reboot; then
  log "systemctl reboot of the container"
  reboot_at=$(date +%s%N)
  in_c 'systemctl reboot' || true
  wait_gone || { echo "run.sh: the container did not stop for the reboot" >&2; }
  boot
  check reboot "$reboot_at"
  in_c "journalctl -b -o short-precise --no-pager" >"$OUT/journal-after-reboot.txt" 2>&1 || true
fi

if [ -z "${KEEP:-}" ]; then
  in_c 'systemctl poweroff' || true
  if wait_gone; then
    # the container's cgroups are empty now: remove them, deepest first
    for h in /sys/fs/cgroup/unified /sys/fs/cgroup/systemd /sys/fs/cgroup; do
      [ -d "$h/$MACHINE" ] && find "$h/$MACHINE" -depth -type d -exec rmdir {} \; 2>/dev/null || true
    done
  else
    echo "run.sh: the container did not power off; its nspawn is pid $(nspawn_pid)" >&2
  fi
fi

# --- summary --------------------------------------------------------------------------------------------------------------
passed=0
for r in "${RESULTS[@]}"; do [[ $r == PASS* ]] && passed=$((passed + 1)); done
failed=$(( ${#RESULTS[@]} - passed ))
echo "summary: $passed passed, $failed failed of ${#RESULTS[@]} on $COMMIT (systemd $SYSTEMD_VERSION); evidence in $OUT"
printf '%s\n' "${RESULTS[@]}" >"$OUT/summary.txt"
[ "$failed" -eq 0 ]
