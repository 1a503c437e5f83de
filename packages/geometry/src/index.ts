/** Public API of @vertebra/geometry: vectors, matrices and image containers in LPS millimetres. */
export * from './vectors.js';
export * from './Volume.js';
