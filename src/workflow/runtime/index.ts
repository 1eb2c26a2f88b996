export * from './activities.js';
export * from './embedded/index.js';
