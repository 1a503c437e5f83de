/**
 * The error type every Vertebra package throws for expected failures. It carries a
 * catalogue code, a message that names the subject (file, part, parameter) and the
 * problem, and optional details; transports map it through `errorCatalogue`.
 */
import { errorCatalogue, type ErrorCode, type ErrorDefinition } from './errorCatalogue.js';

export interface VertebraErrorOptions {
  /** What the error is about: a file path, a multipart part, a parameter name. */
  readonly subject?: string;
  readonly details?: Readonly<Record<string, unknown>>;
  readonly cause?: unknown;
}

export class VertebraError extends Error {
  readonly code: ErrorCode;
  readonly subject: string | undefined;
  readonly details: Readonly<Record<string, unknown>> | undefined;

  constructor(code: ErrorCode, message: string, options: VertebraErrorOptions = {}) {
    super(options.subject ? `${options.subject}: ${message}` : message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'VertebraError';
    this.code = code;
    this.subject = options.subject;
    this.details = options.details;
  }

  get definition(): ErrorDefinition {
    return errorCatalogue[this.code];
  }

  get httpStatus(): number {
    return this.definition.httpStatus;
  }

  get dimseStatus(): number {
    return this.definition.dimseStatus;
  }

  get exitCode(): number {
    return this.definition.exitCode;
  }

  toJSON(): { code: ErrorCode; message: string; subject?: string; details?: Readonly<Record<string, unknown>> } {
    return {
      code: this.code,
      message: this.message,
      ...(this.subject === undefined ? {} : { subject: this.subject }),
      ...(this.details === undefined ? {} : { details: this.details }),
    };
  }
}

export function isVertebraError(value: unknown): value is VertebraError {
  return value instanceof VertebraError;
}

/** Wraps anything thrown into a VertebraError, keeping catalogue errors as they are. */
export function toVertebraError(value: unknown, fallbackCode: ErrorCode = 'INTERNAL', subject?: string): VertebraError {
  if (value instanceof VertebraError) return value;
  const message = value instanceof Error ? value.message : String(value);
  return new VertebraError(fallbackCode, message, { ...(subject === undefined ? {} : { subject }), cause: value });
}
