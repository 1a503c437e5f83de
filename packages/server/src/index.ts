/** Public API of @vertebra/server: the HTTP app (DICOMweb, REST, health), the DIMSE SCP, and both started together. */
export * from './buildApp.js';
export * from './dimse/startDimseServer.js';
export * from './startVertebraServer.js';
export * from './web/registerWebApp.js';
