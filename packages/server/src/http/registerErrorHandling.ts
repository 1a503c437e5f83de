/**
 * One error handler for the whole HTTP app: a VertebraError becomes its catalogue HTTP
 * status with a JSON body `{ code, message }`; Fastify's own client errors (bad media
 * type, body too large, malformed JSON) keep their 4xx status under a catalogue code;
 * anything else is a 500 whose body says nothing about internals (no stack, no message,
 * no PHI) while the full error goes to the log.
 */
import type { FastifyInstance, FastifyError } from 'fastify';
import { isVertebraError, type ErrorCode } from '@vertebra/errors';

export interface ErrorBody {
  readonly code: string;
  readonly message: string;
}

function fastifyClientCode(statusCode: number): ErrorCode {
  if (statusCode === 413) return 'REQUEST_BODY_TOO_LARGE';
  if (statusCode === 415) return 'REQUEST_UNSUPPORTED_MEDIA_TYPE';
  if (statusCode === 406) return 'REQUEST_NOT_ACCEPTABLE';
  return 'REQUEST_INVALID_PARAMETER';
}

export function registerErrorHandling(app: FastifyInstance): void {
  app.setErrorHandler((error: FastifyError | Error, request, reply) => {
    if (isVertebraError(error)) {
      if (error.httpStatus >= 500) request.log.error({ err: error }, 'request failed');
      const body: ErrorBody = { code: error.code, message: error.message };
      if (error.httpStatus === 413) reply.header('connection', 'close');
      return reply.status(error.httpStatus).type('application/json').send(body);
    }
    const statusCode = (error as FastifyError).statusCode;
    if (typeof statusCode === 'number' && statusCode >= 400 && statusCode < 500) {
      const body: ErrorBody = { code: fastifyClientCode(statusCode), message: error.message };
      return reply.status(statusCode).type('application/json').send(body);
    }
    request.log.error({ err: error }, 'unexpected error');
    const body: ErrorBody = { code: 'INTERNAL', message: 'An internal error occurred; the server log has the details.' };
    return reply.status(500).type('application/json').send(body);
  });

  app.setNotFoundHandler((request, reply) => {
    const body: ErrorBody = {
      code: 'REQUEST_ROUTE_NOT_FOUND',
      message: `No resource ${request.method} ${request.url.split('?')[0] ?? ''} on this server`,
    };
    return reply.status(404).type('application/json').send(body);
  });
}
