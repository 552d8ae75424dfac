import { errorCatalogue, type ErrorCode } from './error-catalogue.js';

export interface VkhidErrorOptions {
  /** Values for the `%s` placeholders of the catalogue message, in order. */
  args?: readonly (string | number)[];
  /** The field or XML path the error is about, when there is one (adapters name the failing field). */
  field?: string;
  cause?: unknown;
}

/**
 * An error with a stable code from the catalogue. Everything the hub refuses is thrown as a VkhidError;
 * anything else reaching a boundary is a bug and is reported as INTERNAL without its details.
 */
export class VkhidError extends Error {
  readonly code: ErrorCode;
  readonly status: number;
  readonly field: string | undefined;

  constructor(code: ErrorCode, options: VkhidErrorOptions = {}) {
    super(formatMessage(errorCatalogue[code].message, options.args ?? []), { cause: options.cause });
    this.name = 'VkhidError';
    this.code = code;
    this.status = errorCatalogue[code].status;
    this.field = options.field;
  }

  /** RFC 9457 problem details, as sent with `application/problem+json`. */
  toProblem(instance?: string): Record<string, unknown> {
    return {
      type: `urn:vkhid:error:${this.code}`,
      title: this.code,
      status: this.status,
      code: this.code,
      detail: this.message,
      ...(this.field === undefined ? {} : { field: this.field }),
      ...(instance === undefined ? {} : { instance }),
    };
  }

  /** Wraps anything thrown into a VkhidError; unknown errors become INTERNAL so no internals leak. */
  static from(error: unknown): VkhidError {
    if (error instanceof VkhidError) return error;
    return new VkhidError('INTERNAL', { cause: error });
  }
}

function formatMessage(template: string, args: readonly (string | number)[]): string {
  let index = 0;
  return template.replace(/%s/g, () => {
    const value = args[index++];
    return value === undefined ? '?' : String(value);
  });
}
