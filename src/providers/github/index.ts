// The `github` access provider. See README.md.
export { githubProviderFactory, GithubAccessProvider, REPO_PERMISSIONS, type GithubGrantData, type GithubProviderOptions, type SeatRef } from './provider.js';
export { githubConfigSchema, DEFAULT_API_URL, type GithubConfig } from './config.js';
