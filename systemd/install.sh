#!/usr/bin/env bash
# Installs glyph-supervisor as a systemd service from a built source tree, or removes it.
#
#   sudo systemd/install.sh                 install (or update) and start it
#   sudo systemd/install.sh --uninstall     stop and remove it; config, state and logs stay
#   systemd/install.sh --root DIR           stage the files under DIR (image builds, tests): no user,
#                                           no ownership changes, no running systemd touched
#   --dry-run                               say what would change, change nothing
#
# Idempotent: a file whose content and mode already match is left alone ("up to date"), and a second
# run changes nothing. An existing /etc/glyph-supervisor/supervisor.yaml is never overwritten.
set -euo pipefail

prog=install.sh
src=$(cd "$(dirname "$(readlink -f "${BASH_SOURCE[0]}")")/.." && pwd)

root=""
uninstall=false
dry_run=false
while [ $# -gt 0 ]; do
  case "$1" in
    --root) [ $# -ge 2 ] || { echo "$prog: --root needs a directory" >&2; exit 2; }; root=$2; shift 2 ;;
    --root=*) root=${1#--root=}; shift ;;
    --uninstall) uninstall=true; shift ;;
    --dry-run) dry_run=true; shift ;;
    -h|--help) sed -n '2,11s/^# \{0,1\}//p' "${BASH_SOURCE[0]}"; exit 0 ;;
    *) echo "$prog: unknown argument '$1' (see --help)" >&2; exit 2 ;;
  esac
done
if [ -n "$root" ]; then
  [ -d "$root" ] || { echo "$prog: --root $root: no such directory" >&2; exit 2; }
  root=$(cd "$root" && pwd)
  [ "$root" != / ] || root=""
fi
if [ -z "$root" ] && [ "$(id -u)" -ne 0 ]; then
  echo "$prog: must run as root to install into the system (sudo $0), or stage with --root DIR" >&2
  exit 1
fi

# Target paths; under --root every one of them is prefixed.
opt=/opt/glyph-supervisor
etc=/etc/glyph-supervisor
unit=/etc/systemd/system/glyph-supervisor.service
link=/usr/local/bin/glyphctl
service=glyph-supervisor.service
user=glyph

changes=0
say() { echo "$prog: $*"; }

# do_ CMD...: run a command that changes the system, or only print it under --dry-run.
do_() {
  if $dry_run; then say "would run: $*"; else "$@"; fi
}

# put SRC DEST MODE: install a file unless DEST already has the same content and mode.
put() {
  local from=$1 to=$root$2 mode=$3
  if [ -f "$to" ] && cmp -s "$from" "$to" && [ "$(stat -c %a "$to")" = "${mode#0}" ]; then
    say "up to date: $2"
    return
  fi
  changes=$((changes + 1))
  if $dry_run; then say "would install: $2"; return; fi
  install -D -m "$mode" "$from" "$to"
  say "installed: $2"
}

# systemd is the init system here (sd_booted(3)): only then can the unit be started now.
booted() { [ -z "$root" ] && [ -d /run/systemd/system ]; }

systemctl_root() { if [ -n "$root" ]; then systemctl --root="$root" "$@"; else systemctl "$@"; fi; }

require_built() {
  local missing=false artifact
  for artifact in supervisor/target/glyphctl.jar model-runtime/reference/target/reference-runtime.jar; do
    if [ ! -f "$src/$artifact" ]; then
      echo "$prog: $src/$artifact is missing: build it first with: (cd $src && ./mvnw -B package -DskipTests)" >&2
      missing=true
    fi
  done
  ! $missing || exit 1
}

create_user() {
  if [ -n "$root" ]; then
    say "--root: not creating user $user (on the target: useradd --system --user-group --home-dir /var/lib/glyph-supervisor --no-create-home --shell /usr/sbin/nologin $user)"
    return
  fi
  if getent passwd "$user" >/dev/null; then
    say "up to date: user $user exists"
    return
  fi
  changes=$((changes + 1))
  # Home is the state directory (systemd creates it): CUDA, Triton and Hugging Face caches under ~ go
  # somewhere writable under ProtectSystem=strict.
  getent group "$user" >/dev/null || do_ groupadd --system "$user"
  do_ useradd --system --gid "$user" --home-dir /var/lib/glyph-supervisor --no-create-home \
      --shell /usr/sbin/nologin --comment "glyph-supervisor" "$user"
  $dry_run || say "created: system user $user"
  getent group video >/dev/null ||
    say "warning: no group 'video' here: remove SupplementaryGroups=video with a drop-in (systemctl edit $service) or the unit will not start"
}

install_files() {
  put "$src/bin/glyphctl" "$opt/bin/glyphctl" 0755
  put "$src/supervisor/target/glyphctl.jar" "$opt/lib/glyphctl.jar" 0644
  put "$src/model-runtime/reference/target/reference-runtime.jar" "$opt/lib/reference-runtime.jar" 0644
  put "$src/docs/systemd.md" "$opt/docs/systemd.md" 0644
  local example
  for example in "$src"/conf/examples/*.yaml; do
    put "$example" "$opt/conf/examples/$(basename "$example")" 0644
  done
  put "$src/systemd/$service" "$unit" 0644

  # glyphctl on PATH for operators; bin/glyphctl resolves the link and finds $opt/lib/glyphctl.jar.
  if [ "$(readlink "$root$link" 2>/dev/null)" = "$opt/bin/glyphctl" ]; then
    say "up to date: $link -> $opt/bin/glyphctl"
  elif [ -e "$root$link" ] || [ -L "$root$link" ]; then
    say "warning: $link exists and is not ours: left alone (run $opt/bin/glyphctl)"
  else
    changes=$((changes + 1))
    do_ mkdir -p "$root$(dirname "$link")"
    do_ ln -s "$opt/bin/glyphctl" "$root$link"
    $dry_run || say "installed: $link -> $opt/bin/glyphctl"
  fi
}

# The CLI's class-data archive next to the jar (bin/glyphctl maps it for glyphctl status and the other short
# calls: ~0.3 s less each). It is valid only for the JVM that makes it and for the jar at the path it was made
# for, so it is made here, with the java the launcher will use; glyphctl.jsa.jvm records which one, so that a
# JDK upgrade (then the archive is silently ignored and calls are slower, nothing fails) is caught by the next
# run of this script. Not under --root: the jar is not at its final path there.
make_cli_archive() {
  local jar=$opt/lib/glyphctl.jar jsa=$opt/lib/glyphctl.jsa java jvm tmp
  if [ -n "$root" ]; then
    say "--root: no CLI class-data archive (it is tied to the final path; run $prog on the target to make it)"
    return
  fi
  java=${JAVA_HOME:+$JAVA_HOME/bin/java}
  [ -n "$java" ] && [ -x "$java" ] || java=$(command -v java || true)
  [ -n "$java" ] || return 0
  jvm="$(readlink -f "$java") $(grep -h '^JAVA_RUNTIME_VERSION=' "$(dirname "$(readlink -f "$java")")/../release" 2>/dev/null || true)"
  if [ -f "$jsa" ] && [ "$jsa" -nt "$jar" ] && [ "$(cat "$jsa.jvm" 2>/dev/null)" = "$jvm" ]; then
    say "up to date: $jsa"
    return
  fi
  changes=$((changes + 1))
  if $dry_run; then say "would make: $jsa (for $java)"; return; fi
  tmp=$(mktemp -d)
  # The training reads a config; a copy in $tmp, because a source tree under a non-ASCII name (/root/界面推理/...)
  # would reach this java as '????' where no UTF-8 locale is set (sudo, a container): see bin/glyphctl.
  cp "$src/systemd/supervisor.yaml" "$tmp/supervisor.yaml"
  "$java" -Xshare:off -XX:DumpLoadedClassList="$tmp/classlist" -XX:TieredStopAtLevel=1 -XX:+UseSerialGC \
      -cp "$jar" dev.glyphsupervisor.cli.CdsTraining "$tmp/supervisor.yaml" >/dev/null
  rm -f "$jsa"
  "$java" -Xshare:dump -XX:SharedClassListFile="$tmp/classlist" -XX:SharedArchiveFile="$jsa" -XX:+UseSerialGC \
      -Xlog:cds*=off -cp "$jar" >/dev/null
  chmod 0644 "$jsa"
  echo "$jvm" > "$jsa.jvm"
  rm -rf "$tmp"
  say "made: $jsa (the CLI's class-data archive, for $java)"
}

install_config() {
  local shipped=$src/systemd/supervisor.yaml conf=$root$etc/supervisor.yaml
  if [ -f "$conf" ] && ! cmp -s "$shipped" "$conf"; then
    say "kept: $etc/supervisor.yaml (yours, never overwritten); the shipped one goes to supervisor.yaml.new"
    put "$shipped" "$etc/supervisor.yaml.new" 0640
  else
    put "$shipped" "$etc/supervisor.yaml" 0640
  fi
  if [ -z "$root" ]; then
    # The daemon (user glyph) reads the config; nobody else needs to (it may hold tokens in runtime.env).
    do_ chgrp "$user" "$etc" "$etc"/supervisor.yaml*
    do_ chmod 0750 "$etc"
  else
    do_ chmod 0750 "$root$etc"
    say "--root: files stay owned by $(id -un); on the target: chgrp -R $user $etc"
  fi
}

enable_unit() {
  if ! command -v systemctl >/dev/null; then
    say "no systemctl here: enable it on the target with: systemctl enable --now $service"
    return
  fi
  if booted; then
    do_ systemctl daemon-reload
    local since
    since=$(date +%s)
    if systemctl is-active --quiet "$service" && [ "$changes" -gt 0 ]; then
      # An update: the running daemon still has the old jar or unit. A restart stops the server
      # gracefully (stop_grace) and starts both again.
      do_ systemctl enable "$service"
      do_ systemctl restart "$service" || start_failed "$since"
      $dry_run || say "restarted $service with the new files"
    else
      do_ systemctl enable --now "$service" || start_failed "$since"
    fi
    $dry_run || say "running: systemctl status $service; journalctl -u $service; glyphctl status"
    return
  fi
  # No running manager (a container, an image build, --root): systemctl can still create the
  # multi-user.target.wants link from the files, so the service starts on the next boot.
  if [ "$(systemctl_root is-enabled "$service" 2>/dev/null)" = enabled ]; then
    say "up to date: $service enabled"
  else
    changes=$((changes + 1))
    if $dry_run; then say "would enable: $service"; else systemctl_root enable "$service" 2>/dev/null; say "enabled: $service"; fi
  fi
  if [ -n "$root" ]; then
    say "--root: not started; on the target after boot: systemctl status $service"
  else
    say "systemd is not running here (no /run/systemd/system): nothing started; on a booted system run: systemctl daemon-reload && systemctl start $service"
  fi
}

# start_failed SINCE: the unit did not start (systemctl has said "Job ... failed"): show why, from the daemon's own
# lines in the journal since SINCE (epoch seconds), and what to do; exit 1. The daemon files its fatal start errors
# (a bad config, a path it cannot write) at priority err, so those come first; else the unit's last lines.
start_failed() {
  local since=$1 why
  why=$(journalctl -u "$service" --since "@$since" -p err -o cat --no-pager 2>/dev/null | grep -v "^$service: " | tail -n 20 || true)
  [ -n "$why" ] || why=$(journalctl -u "$service" --since "@$since" -o cat --no-pager 2>/dev/null | tail -n 10 || true)
  echo "$prog: $service was installed but did not start. Its journal says:" >&2
  if [ -n "$why" ]; then printf '%s\n' "$why" | sed 's/^/    /' >&2; else echo "    (nothing: see systemctl status $service)" >&2; fi
  echo "$prog: fix that (the config is $etc/supervisor.yaml), then: systemctl restart $service;" \
       "follow it with: journalctl -u $service -f" >&2
  exit 1
}

uninstall() {
  if ! command -v systemctl >/dev/null; then
    :
  elif booted; then
    do_ systemctl disable --now "$service" || true
  elif [ -f "$root$unit" ]; then
    do_ systemctl_root disable "$service" 2>/dev/null || true
  fi
  if [ -f "$root$unit" ]; then do_ rm -f "$root$unit"; say "removed: $unit"; fi
  if [ "$(readlink "$root$link" 2>/dev/null)" = "$opt/bin/glyphctl" ]; then do_ rm -f "$root$link"; say "removed: $link"; fi
  if [ -d "$root$opt" ]; then do_ rm -rf "$root$opt"; say "removed: $opt"; fi
  if booted; then do_ systemctl daemon-reload; fi
  say "kept: $etc (config), /var/lib/glyph-supervisor (state), /var/log/glyph-supervisor (audit and runtime logs), /var/cache/glyph-supervisor and user $user; remove them by hand if you want them gone"
}

if $uninstall; then
  uninstall
  exit 0
fi

require_built
command -v java >/dev/null || say "warning: no java on PATH: the daemon and the reference runtime need a JDK/JRE 17+"
create_user
install_files
make_cli_archive
install_config
enable_unit
if [ "$changes" -eq 0 ]; then say "nothing changed: everything up to date"; fi
