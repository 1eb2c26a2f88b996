export * from './duration.js';
export * from './ids.js';
export * from './role.js';
export * from './provider.js';
export * from './workflow.js';
export * from './server.js';
export * from './file.js';
export * from './services.js';
