#!/bin/sh
# Installs the tools the comparison benchmark (-Pcompare) measures glyph-supervisor against, where this
# machine's package sources allow it. Safe to re-run; anything already present is kept.
#   supervisord: Debian's `supervisor` package (needs root and apt-get). Only the binaries are used: the
#                benchmark runs its own supervisord on a generated config, never the system service
#                (Docker-style images keep apt from starting it; elsewhere stop it with your init system).
#   PM2:         npm's `pm2`, installed locally under bench/.tools (not global), run with its own PM2_HOME.
# A tool that cannot be installed is reported here and by the benchmark, which then measures the others.
set -u
here=$(cd "$(dirname "$0")" && pwd)

if command -v supervisord >/dev/null 2>&1 && command -v supervisorctl >/dev/null 2>&1; then
    echo "supervisord: present ($(supervisord --version))"
elif [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
    echo "supervisord: installing the Debian package 'supervisor'"
    { apt-get install -y supervisor || { apt-get update && apt-get install -y supervisor; }; } >/dev/null \
        || echo "supervisord: NOT installed (apt-get install -y supervisor failed)"
else
    echo "supervisord: NOT installed (needs root and apt-get: apt-get install -y supervisor)"
fi

if [ -x "$here/.tools/node_modules/.bin/pm2" ]; then
    echo "pm2: present under bench/.tools"
elif command -v npm >/dev/null 2>&1; then
    echo "pm2: installing npm's 'pm2' under bench/.tools"
    mkdir -p "$here/.tools"
    npm install --prefix "$here/.tools" --no-audit --no-fund pm2 >/dev/null \
        || echo "pm2: NOT installed (npm install pm2 failed)"
else
    echo "pm2: NOT installed (needs npm)"
fi
