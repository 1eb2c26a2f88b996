// The `teams` notification provider (Microsoft Teams incoming webhook). See README.md.
export { teamsProviderFactory, TeamsNotifier, TeamsDeliveryFailed } from './provider.js';
export { teamsConfigSchema, type TeamsConfig } from './config.js';
export { teamsMessage, escapeCardText, ADAPTIVE_CARD_CONTENT_TYPE, ADAPTIVE_CARD_VERSION } from './card.js';
