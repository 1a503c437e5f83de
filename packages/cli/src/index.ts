/** Public API of @vertebra/cli: the `vertebra` command as functions, for tests and embedding. */
export * from './CliIo.js';
export * from './collectFiles.js';
export * from './demoPhantomCases.js';
export * from './exportCommand.js';
export * from './findDemoSources.js';
export * from './importCommand.js';
export * from './ingestFiles.js';
export * from './loadDemoData.js';
export * from './lsCommand.js';
export * from './openCliArchive.js';
export * from './phantomCommand.js';
export * from './runCli.js';
export * from './serveCommand.js';
