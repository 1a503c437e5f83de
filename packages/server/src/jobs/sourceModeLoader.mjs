/**
 * Development and test only (never used by the build): lets the analysis worker thread run
 * from the TypeScript sources, as Vitest does for the main thread. Passed to the worker as
 * `--import` (with `--conditions=source`, which resolves workspace packages to src/) by
 * runAnalysisInWorker when that module itself is running from source; registers
 * sourceModeHooks.mjs (Node module customization hooks).
 */
import { register } from 'node:module';

register('./sourceModeHooks.mjs', import.meta.url);
