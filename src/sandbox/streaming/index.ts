export * from './connection-token.js';
export * from './streaming-server.js';
