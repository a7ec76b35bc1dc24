// A validation context bound to a field path, so checks deep in a spec report full paths.
import { joinPath, type PathSegment } from "../../decode/field-path.js";
import type { ValidationContext } from "../../kind.js";

export class Scope {
  constructor(
    private readonly ctx: ValidationContext,
    readonly path: string,
  ) {}

  at(...segments: PathSegment[]): Scope {
    return new Scope(this.ctx, segments.reduce<string>((p, s) => joinPath(p, s), this.path));
  }

  error(message: string, ...segments: PathSegment[]): void {
    this.ctx.error(segments.length ? this.at(...segments).path : this.path, message);
  }

  warn(message: string, ...segments: PathSegment[]): void {
    this.ctx.warn(segments.length ? this.at(...segments).path : this.path, message);
  }

  /** Reports `message` when it is defined (the check functions return an error message or undefined). */
  check(message: string | undefined, ...segments: PathSegment[]): void {
    if (message !== undefined) this.error(message, ...segments);
  }

  get namespace(): string {
    return this.ctx.resource.namespace ?? "default";
  }
}

export function specScope(ctx: ValidationContext): Scope {
  return new Scope(ctx, "spec");
}
