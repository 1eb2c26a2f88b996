// The `oauth2` and `oauth2.google` identity providers: browser login through plain OAuth 2.0 and a userinfo call. See README.md.
export { OAuth2IdentityProvider, oauth2IdentityFactory, googleOAuth2IdentityFactory, type OAuth2ProviderType } from './provider.js';
export { oauth2ConfigSchema, googleOAuth2ConfigSchema, GOOGLE_ENDPOINTS, type OAuth2Settings, type OAuth2Config, type GoogleOAuth2Config } from './config.js';
export { identityFromUserinfo } from './userinfo.js';
