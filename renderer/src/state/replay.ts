// A request picked in the Requests tab to send again from the Playground: handed over once.
export interface Replay { deploymentId: string; route: string; body: unknown }

let pending: Replay | null = null;

export function setReplay(r: Replay): void {
  pending = r;
}

/** The replay waiting for this deployment, taken (so a later visit starts fresh). */
export function takeReplay(deploymentId: string): Replay | null {
  if (!pending || pending.deploymentId !== deploymentId) return null;
  const r = pending;
  pending = null;
  return r;
}
