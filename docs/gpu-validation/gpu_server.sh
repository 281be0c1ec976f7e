#!/usr/bin/env bash
# A GPU inference server stand-in for the real-GPU proof: a shell script (like Glyph's 界面推理.sh) starts
# a Python parent that serves /health and holds a small CUDA allocation, and a child worker process that
# allocates 256 MiB more GPU memory every second, forever: the "creeping" leak. The supervisor must sum
# the memory of the whole tree (parent + child), restart at its limit, and see the memory released.
set -euo pipefail
port=${1:-7860}
# multiprocessing's spawn re-imports the main module, so the Python lives in a file of its own.
exec python3 "$(dirname "$0")/creeping_server.py" "$port"
