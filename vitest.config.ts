/**
 * One Vitest configuration for unit and integration tests across all workspaces.
 * The 'source' export condition makes workspace packages resolve to their TypeScript
 * sources, so tests never depend on a stale build.
 */
import { defineConfig } from 'vitest/config';

export default defineConfig({
  resolve: { conditions: ['source'] },
  ssr: { resolve: { conditions: ['source'], externalConditions: ['source'] } },
  test: {
    include: ['packages/*/src/**/*.test.ts', 'packages/*/test/**/*.test.ts'],
    testTimeout: 60_000,
    hookTimeout: 60_000,
    pool: 'forks',
  },
});
