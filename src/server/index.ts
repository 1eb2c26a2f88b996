export { startLeaseServer, loadServerConfig, openLeaseCore, type RunningServer, type ServerOptions } from './server.js';
export { startTemporalWorker } from './engine.js';
