#!/usr/bin/env bash
# Creates .venv and installs the project. torch is installed first, pinned to the CPU build,
# because anything that asks for an unpinned torch would pull a multi-GB CUDA build.
set -euo pipefail
cd "$(dirname "$0")/.."
python3 -m venv .venv
.venv/bin/python -m pip install --quiet --upgrade pip
.venv/bin/python -m pip install --quiet "torch==2.13.0"
.venv/bin/python -m pip install --quiet -e ".[test,baselines,ray]"
