// expressions/: jq runtime expressions. The interpreter sees only the ExpressionEngine interface.
export { createJqEngine, EXPRESSION_VARIABLES } from './jq.js';
export { ExpressionError } from './errors.js';
export { findExpressions, UnterminatedExpression, type ExpressionSpan } from './scan.js';
export {
  isExpression,
  wholeExpression,
  evaluateValue,
  evaluateCondition,
  conditionExpression,
  type ExpressionVariables,
} from './runtime.js';
