// What the on-call providers (pagerduty, opsgenie) share: one retried read of their REST APIs.
export { getJson, emails, apiUrlSchema, OnCallLookupFailed, type LookupOptions, type LookupSettings } from './lookup.js';
