#!/usr/bin/env bash
# The whole test suite, as the README's test command runs it: system packages the
# tests use (dcmtk, dicom3tools, orthanc, chromium), the TypeScript build with project
# references, the package-boundary lint, then every Vitest test.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup-system.sh
echo "== typecheck (tsc -b, project references)"
npx tsc -b
npm run --silent typecheck -w packages/web
npx tsc -p tsconfig.tests.json
echo "== lint (package boundaries, import cycles)"
npx depcruise packages --config .dependency-cruiser.cjs
echo "== tests (vitest)"
npx vitest run "$@"
