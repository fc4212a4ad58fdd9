// Remote machines (issue 14): the laptop's Berth drives a `berth serve` on a GPU box over SSH.
// Types shared by the engine (electron/engine/remote/), the API contract and the renderer.

/**
 * Bumped when a command or event changes shape incompatibly. Both sides of a remote
 * connection compare it: equal means the laptop's client can drive the remote serve.
 */
export const API_VERSION = 1;

/**
 * The origins a laptop's Berth UI is served from: the desktop app's berth://app or a loopback
 * `berth serve` / dev server. Only these may be granted CORS on a remote machine's gateways
 * (gateway.allowUiOrigins): the page reaches them through a loopback SSH forward, so no
 * other site's page can be let in by an API call.
 */
export const UI_ORIGIN = /^(?:berth:\/\/app|http:\/\/(?:127\.0\.0\.1|localhost|\[::1\]):\d{1,5})$/;

export type MachineState = 'local' | 'disconnected' | 'connecting' | 'connected' | 'reconnecting' | 'error';

export interface MachineInfo {
  /** 'local' is this machine; others are the names given to `berth remote add`. */
  name: string;
  /** ssh://user@host[:port] as added (the user's ~/.ssh/config may refine host, user, port, key). */
  url: string | null;
  /** The shell command that runs Berth there (default `berth`). */
  command: string | null;
  state: MachineState;
  /** Why it is not connected (or what went wrong last), naming the machine. */
  reason: string | null;
  hint: string | null;
  /** The remote Berth's version and API version once connected. */
  remoteVersion: string | null;
  remoteApiVersion: number | null;
  /** Things that work but limit use there: no Docker, no GPU, another Berth version. */
  warnings: string[];
  /** Next reconnect attempt, epoch ms, while reconnecting. */
  retryAt: number | null;
}

/** One entry of a remote folder listing (the remote file picker). */
export interface FileEntry {
  name: string;
  kind: 'dir' | 'config';
}

export interface FileListing {
  /** The folder listed (absolute, on the machine that answered). */
  dir: string;
  /** Its parent when still inside an allowed root, else null. */
  parent: string | null;
  /** Folders this machine's Berth may open configs under. */
  roots: string[];
  entries: FileEntry[];
}

/** An event of a remote machine's serve, relayed by the local one. */
export interface MachineEvent {
  machine: string;
  channel: string;
  payload: unknown;
}
