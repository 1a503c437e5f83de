/** Public API of @vertebra/server: the HTTP app (DICOMweb, REST, health), the DIMSE SCP, and both started together. */
export * from './buildApp.js';
export * from './dimse/startDimseServer.js';
export * from './startVertebraServer.js';
export { startAnalysisJobs, type AnalysisJobs, type AnalysisJobsOptions } from './jobs/startAnalysisJobs.js';
export type { JobQueue, AnalysisJob, AnalysisJobSpec } from './jobs/JobQueue.js';
export { createEmbeddedJobQueue, type EmbeddedJobQueueOptions } from './jobs/createEmbeddedJobQueue.js';
export * from './web/registerWebApp.js';
export * from './auth/permissions.js';
export { routeAccessOf, type RouteAccessEntry } from './auth/registerAuth.js';
export type { HttpAuditAction, Principal, RouteAccess } from './auth/routeAccess.js';
export { createAuditWriter, type AuditWriter, type AuditWriterOptions } from './audit/createAuditWriter.js';
export type { AuditSink } from './audit/AuditSink.js';
