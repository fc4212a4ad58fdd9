export { buildDerivedImage, BuildError, BUILD_HASH_LABEL, type BuildOptions, type BuildResult, type BuildLogLine } from './build-image.js';
