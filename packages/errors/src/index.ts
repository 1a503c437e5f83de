/** Public API of @vertebra/errors: the error catalogue shared by every package and transport. */
export * from './errorCatalogue.js';
export * from './VertebraError.js';
