/** Types of the shared test support that builds the `vertebra` binary once. */
export const repoRoot: string;
export const cliMain: string;
export function ensureCliBuilt(): Promise<void>;
