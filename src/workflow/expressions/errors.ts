import { LeaseError } from '../../core/errors.js';

/**
 * A jq expression that does not compile (`compile`) or fails while running (`runtime`).
 * The message is jq's own, without the `jq: error` noise.
 */
export class ExpressionError extends LeaseError {
  readonly kind: 'compile' | 'runtime';
  readonly expression: string;

  constructor(kind: 'compile' | 'runtime', expression: string, message: string) {
    super('expression_error', message, { status: 400 });
    this.kind = kind;
    this.expression = expression;
  }
}
