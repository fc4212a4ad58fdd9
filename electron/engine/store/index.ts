// Settings, recent configs, remembered gateway ports: JSON files in the data dir.
export { SettingsStore, SettingsSchema, DEFAULT_SETTINGS, coerceSettings, type Settings, type SettingsChange } from './settings.js';
export { RecentStore, RECENT_MAX, type RecentEntry } from './recent.js';
export { PortMemory, isPortFree, DEFAULT_PORT_RANGE } from './port-memory.js';
export { ensureGatewayApiKey, getGatewayApiKey, rotateGatewayApiKey } from './gateway-key.js';
export { writeFileAtomic, writeJsonAtomic, readJson } from './atomic.js';
