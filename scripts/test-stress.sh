#!/usr/bin/env bash
# The full hostile-input and fault runs of issue 3 (CI runs this too; the normal suite runs
# small versions of the same tests): parser fuzz and transport fuzz (STOW-RS, C-STORE) over
# 10,000 mutated files each, 8 parallel clients x 1000 instances, 20 SIGKILLs during ingest.
# Sizes can be overridden from the environment; FUZZ_SEED / FUZZ_REPLAY=seed:index as in the
# fuzz tests. Prints the wall time at the end.
set -euo pipefail
cd "$(dirname "$0")/.."
export FUZZ_COUNT="${FUZZ_COUNT:-10000}"
export FUZZ_TRANSPORT_COUNT="${FUZZ_TRANSPORT_COUNT:-10000}"
export STRESS_PARALLEL_INSTANCES="${STRESS_PARALLEL_INSTANCES:-1000}"
export CRASH_ROUNDS="${CRASH_ROUNDS:-20}"
started=$(date +%s)
status=0
npx vitest run packages/dicom/test/fuzz packages/server/test/stress packages/server/test/crash "$@" || status=$?
echo "test:stress: FUZZ_COUNT=$FUZZ_COUNT FUZZ_TRANSPORT_COUNT=$FUZZ_TRANSPORT_COUNT STRESS_PARALLEL_INSTANCES=$STRESS_PARALLEL_INSTANCES CRASH_ROUNDS=$CRASH_ROUNDS: $(( $(date +%s) - started )) s, exit $status"
exit $status
