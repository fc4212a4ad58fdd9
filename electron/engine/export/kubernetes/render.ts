// Manifests as YAML text: one document per object, with the comments that say where each
// value came from (yaml's Document API puts them next to the values they explain).
import { Document, isMap, isScalar, isSeq, type Node, type Scalar } from 'yaml';
import type { KubeExport, KubeObject } from './types.js';

function add(existing: string | null | undefined, text: string): string {
  return existing ? `${existing}\n ${text}` : ` ${text}`;
}

function attach(doc: Document, path: Array<string | number>, text: string): void {
  const parentPath = path.slice(0, -1);
  const last = path[path.length - 1];
  const parent = (parentPath.length ? doc.getIn(parentPath, true) : doc.contents) as Node | undefined;
  if (isMap(parent)) {
    const pair = parent.items.find((p) => isScalar(p.key) && p.key.value === last);
    if (!pair) throw new Error(`export comment: no ${path.join('.')}`);
    if (isScalar(pair.value) && !text.includes('\n')) pair.value.comment = add(pair.value.comment, text);
    else (pair.key as Scalar).commentBefore = add((pair.key as Scalar).commentBefore, text.replace(/\n/g, '\n '));
    return;
  }
  if (isSeq(parent) && typeof last === 'number' && parent.items[last]) {
    const item = parent.items[last] as Node;
    if (isScalar(item)) item.comment = add(item.comment, text);
    else item.commentBefore = add(item.commentBefore, text);
    return;
  }
  throw new Error(`export comment: no ${path.join('.')}`);
}

export function renderObject(o: KubeObject, header: string[] = []): string {
  // YAML 1.1 output quotes strings a 1.1 reader (kubectl's) would take for booleans (off, yes);
  // no anchors: shared label maps are written out in full, as admins expect to read them.
  const doc = new Document(o.object, { version: '1.1', aliasDuplicateObjects: false });
  for (const [path, text] of o.comments) attach(doc, path, text);
  const lines = [...header, ...o.header];
  if (lines.length) doc.commentBefore = lines.map((l) => ` ${l}`).join('\n');
  return doc.toString({ lineWidth: 0 });
}

/** Apply order: what the Deployment mounts first, then the Deployment, then what routes to it. */
const ORDER: Record<KubeObject['kind'], number> = { ConfigMap: 1, Secret: 2, PersistentVolumeClaim: 3, Deployment: 4, Service: 5, Ingress: 6 };

export function sortedObjects(x: KubeExport): KubeObject[] {
  return [...x.objects].sort((a, b) => ORDER[a.kind] - ORDER[b.kind]);
}

function exportHeader(x: KubeExport, source: string): string[] {
  const lines = [`Exported by Berth (berth export kubernetes) from ${source}`];
  if (x.notes.length) lines.push('Not expressed in these manifests, or to do by hand:', ...x.notes.map((n) => `  - ${n}`));
  return lines;
}

/** Files for `-o DIR`, named in apply order (`kubectl apply -f DIR` applies them by name). */
export function renderFiles(x: KubeExport, source: string): Array<{ name: string; text: string }> {
  return sortedObjects(x).map((o, i) => ({
    name: `${String(i + 1).padStart(2, '0')}-${o.kind.toLowerCase()}-${o.name}.yaml`,
    text: renderObject(o, o.kind === 'Deployment' ? exportHeader(x, source) : []),
  }));
}

/** One YAML stream (`-o -`, the UI): the header once, then every object. */
export function renderStream(x: KubeExport, source: string): string {
  const docs = sortedObjects(x).map((o) => renderObject(o));
  const head = exportHeader(x, source).map((l) => `# ${l}`.trimEnd()).join('\n');
  return `${head}\n---\n${docs.join('---\n')}`;
}
