#!/usr/bin/env bash
# Builds build/ (same configuration as scripts/test.sh step (a)) and runs the demo.
# Extra arguments are passed on to zmtp_demo.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/common.sh" # cd's to the repo root

bash scripts/deps.sh
configure_main
cmake --build build -j2
exec build/bin/zmtp_demo "$@"
