#!/usr/bin/env bash
# The launch script of the escaping-worker proof (escaping.sh): a Chinese name, as users' launch scripts have.
exec python3 "$(dirname "$0")/escaping_server.py" "${1:-7862}"
