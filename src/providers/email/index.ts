// The `email` notification provider. See README.md.
export { emailProviderFactory, EmailNotifier, EmailDeliveryFailed, EmailRecipientInvalid, isEmailAddress } from './provider.js';
export { emailConfigSchema, smtpSettings, type EmailConfig } from './config.js';
export { renderMail, escapeHtml, headerText, type RenderedMail } from './templates.js';
