// The typed API contract between the UI and the engine (see docs/ARCHITECTURE.md).
export * from './commands.js';
export * from './names.js';
export * from './events.js';
export * from './types.js';
export * from './transport.js';
export * from './client.js';
export * from './validate.js';
