// A number sent as URL query text. z.coerce.number() would read '' and ' ' as 0 and '0x10' as
// 16, accepting what the OpenAPI document (type number or integer) says is not a number; only
// the JSON number syntax is read as one, anything else fails the number schema.
import { z } from 'zod';

const JSON_NUMBER = /^-?(0|[1-9]\d*)(\.\d+)?([eE][+-]?\d+)?$/;

export function queryNumber<T extends z.ZodNumber>(schema: T) {
  return z.preprocess((value) => (typeof value === 'string' && JSON_NUMBER.test(value) ? Number(value) : value), schema);
}
