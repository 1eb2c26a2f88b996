export { startLeaseServer, loadServerConfig, type RunningServer, type ServerOptions } from './server.js';
