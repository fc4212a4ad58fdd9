// The secret store and its helpers.
export { SecretStore, type SecretListing, type SecretStoreOptions } from './store.js';
export { fileModeEncryptor, safeStorageEncryptor, type Encryptor, type SafeStorageLike } from './encryptor.js';
export { importFromTrussConfig, readTrussSecrets, defaultTrussConfigPath, type ImportResult } from './truss-import.js';
export { isValidSecretName, assertSecretName } from './names.js';
