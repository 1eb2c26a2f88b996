// The `postgresql` access provider. See README.md.
export { postgresqlProviderFactory, PostgresqlAccessProvider, type PostgresqlGrantData, type PostgresqlProviderOptions } from './provider.js';
export { postgresqlConfigSchema, type PostgresqlConfig } from './config.js';
