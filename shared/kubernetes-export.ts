// What `deployments.exportKubernetes` answers: the manifests of a config as one YAML stream
// (and one file per object), with what they cannot express. Secret values are in `yaml`
// only when the caller asked for them (includeSecrets) and Berth's store had them.
export interface KubernetesExport {
  /** All objects as one YAML stream, comments included (apply with kubectl apply -f -). */
  yaml: string;
  files: Array<{ name: string; text: string }>;
  objects: Array<{ kind: string; name: string }>;
  notes: string[];
  secretValuesIncluded: boolean;
}
