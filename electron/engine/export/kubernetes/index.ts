// Kubernetes export: a truss config -> manifests with the platform's semantics.
export { exportKubernetes, exportPlanSettings, CONCURRENCY_ANNOTATION } from './export.js';
export { prepareKubernetesExport, ExportConfigError, type PrepareOptions, type PreparedExport } from './prepare.js';
export { renderFiles, renderStream, renderObject } from './render.js';
export { validateObjects, type ValidationFailure } from './validate.js';
export { GPU_PRODUCTS, GPU_PRODUCT_LABEL, GPU_RESOURCE } from './gpu-products.js';
export type { KubeExport, KubeExportInput, KubeExportOptions, KubeObject, ResolvedWeights } from './types.js';
