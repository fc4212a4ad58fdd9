// Berth's truss-transfer-cli: mounted at /usr/local/bin/truss-transfer-cli in every container.
// On the platform the real one downloads model_cache files at container start; in Berth the
// weights stage has already put them in place, so this one checks that they are there
// (path and size, from the manifest Berth writes), says what it found on stderr and exits 0,
// or names what is missing and exits 1. POSIX sh and `ls` only: images may have no bash,
// Python, Node, stat or awk. `ls -lLn` follows the view's and the cache's links and prints
// the size in the fifth field without reading the file.
import { chmod, mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import { CONTAINER_WEIGHTS_MANIFEST } from '../../../shared/truss/weights.js';

export const TRANSFER_CLI_SCRIPT = `#!/bin/sh
# truss-transfer-cli (Berth): checks the model files Berth fetched before this container started.
manifest="\${BERTH_WEIGHTS_MANIFEST:-${CONTAINER_WEIGHTS_MANIFEST}}"
if [ ! -f "$manifest" ]; then
  echo "truss-transfer-cli (Berth): no model_cache or weights in this config; nothing to check" >&2
  exit 0
fi
tab=$(printf '\\t')
total=0
missing=0
while IFS="$tab" read -r size path; do
  case "$size" in ''|'#'*) continue ;; esac
  total=$((total + 1))
  if [ ! -f "$path" ]; then
    echo "truss-transfer-cli (Berth): missing $path" >&2
    missing=$((missing + 1))
    continue
  fi
  set -- $(ls -lLn "$path" 2>/dev/null)
  if [ "$5" != "$size" ]; then
    echo "truss-transfer-cli (Berth): $path has $5 bytes, expected $size" >&2
    missing=$((missing + 1))
  fi
done < "$manifest"
if [ "$missing" -gt 0 ]; then
  echo "truss-transfer-cli (Berth): $missing of $total files missing or incomplete; start the deployment again in Berth to fetch them" >&2
  exit 1
fi
echo "truss-transfer-cli (Berth): all $total files present (fetched by Berth before the container started)" >&2
exit 0
`;

/** Writes the script where plan.transferCli says (once; again only when its text changed). */
export async function ensureTransferCli(path: string): Promise<void> {
  const current = await readFile(path, 'utf8').catch(() => null);
  if (current === TRANSFER_CLI_SCRIPT) return;
  await mkdir(dirname(path), { recursive: true });
  const tmp = `${path}.${process.pid}.tmp`;
  await writeFile(tmp, TRANSFER_CLI_SCRIPT, { mode: 0o755 });
  await chmod(tmp, 0o755);
  await rename(tmp, path);
}
