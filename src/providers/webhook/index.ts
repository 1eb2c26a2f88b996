// The `webhook` notification provider. See README.md.
export { webhookProviderFactory, WebhookNotifier, WebhookDeliveryFailed, SIGNATURE_HEADER } from './provider.js';
export { webhookConfigSchema, type WebhookConfig } from './config.js';
