// Loaded by path on both sides (the worker's sandbox bundle and clients): failure messages and
// stack traces travel as an encoded payload, so the codec encrypts them like any other data.
import { DefaultFailureConverter } from '@temporalio/common';

export const failureConverter = new DefaultFailureConverter({ encodeCommonAttributes: true });
