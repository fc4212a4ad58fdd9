// Every exported object is checked against the Kubernetes OpenAPI schema that kubernetes-models
// carries (offline). Loaded on demand: the package is ESM and large, and only export needs it.
import type { KubeObject } from './types.js';

export interface ValidationFailure {
  kind: string;
  name: string;
  message: string;
}

type Validatable = new (data: Record<string, unknown>) => { validate(): void };

async function modelFor(kind: KubeObject['kind']): Promise<Validatable> {
  switch (kind) {
    case 'Deployment':
      return (await import('kubernetes-models/apps/v1/Deployment')).Deployment as unknown as Validatable;
    case 'Service':
      return (await import('kubernetes-models/v1/Service')).Service as unknown as Validatable;
    case 'Secret':
      return (await import('kubernetes-models/v1/Secret')).Secret as unknown as Validatable;
    case 'PersistentVolumeClaim':
      return (await import('kubernetes-models/v1/PersistentVolumeClaim')).PersistentVolumeClaim as unknown as Validatable;
    case 'ConfigMap':
      return (await import('kubernetes-models/v1/ConfigMap')).ConfigMap as unknown as Validatable;
    case 'Ingress':
      return (await import('kubernetes-models/networking.k8s.io/v1/Ingress')).Ingress as unknown as Validatable;
  }
}

/** The objects that fail validation (empty: all valid). */
export async function validateObjects(objects: KubeObject[]): Promise<ValidationFailure[]> {
  const out: ValidationFailure[] = [];
  for (const o of objects) {
    const Model = await modelFor(o.kind);
    try {
      new Model(o.object).validate();
    } catch (err) {
      out.push({ kind: o.kind, name: o.name, message: err instanceof Error ? err.message : String(err) });
    }
  }
  return out;
}
