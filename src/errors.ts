// The one error type Mizzen throws: a stable code, a message that names what and where, optional details.

export class MizzenError extends Error {
  readonly code: string;
  readonly details?: readonly string[];

  constructor(code: string, message: string, options?: { cause?: unknown; details?: readonly string[] }) {
    super(message, options?.cause === undefined ? undefined : { cause: options.cause });
    this.name = "MizzenError";
    this.code = code;
    if (options?.details) this.details = options.details;
  }
}

export function isMizzenError(e: unknown): e is MizzenError {
  return e instanceof MizzenError;
}

/** A message for any thrown value, for logs and NACKs. */
export function errorMessage(e: unknown): string {
  if (e instanceof Error) return e.message;
  return String(e);
}
