export { startLeaseServer, loadServerConfig, openLeaseCore, type RunningServer, type ServerOptions } from './server.js';
export { connectTemporalClient, startTemporalWorker } from './engine.js';
