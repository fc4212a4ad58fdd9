// A remote machine seen from the renderer: the same ApiClient, carried by the local Berth.
// Commands go through machines.call and events arrive as machine.event, over whichever
// transport the local Berth uses (IPC or HTTP). So the page never holds the remote serve's
// token: only the local Berth process does, and it reads it over SSH.
import { buildApiClient, type ApiClient, type ClientTransport } from '../../../shared/api/client.js';
import type { ApiResponse } from '../../../shared/api/transport.js';
import type { BerthErrorShape } from '../../../shared/errors.js';

const MACHINE_KEY = 'berth.machine';

/** The machine the window shows; kept across reloads (switching reloads the window). */
export function selectedMachine(): string {
  try {
    return localStorage.getItem(MACHINE_KEY) || 'local';
  } catch {
    return 'local';
  }
}

/** Switches machine: every store starts empty again, so the window reloads onto the new one. */
export function selectMachine(name: string): void {
  try {
    if (name === 'local') localStorage.removeItem(MACHINE_KEY);
    else localStorage.setItem(MACHINE_KEY, name);
  } catch {
    // private mode: stays on this machine
  }
  location.hash = '#/';
  location.reload();
}

function shapeOf(err: unknown): BerthErrorShape {
  const e = err as Partial<BerthErrorShape> & { message?: string };
  return { code: (e?.code as BerthErrorShape['code']) ?? 'INTERNAL', message: e?.message ?? String(err), ...(e?.hint ? { hint: e.hint } : {}) };
}

export function remoteClient(local: ApiClient, machine: string): { client: ApiClient; onReconnect(l: () => void): void } {
  const transport: ClientTransport = {
    async invoke(name, input): Promise<ApiResponse<unknown>> {
      try {
        return await local.machines.call({ machine, name, input });
      } catch (err) {
        return { ok: false, error: shapeOf(err) };
      }
    },
    subscribe(channel, handler) {
      return local.on('machine.event', (e) => {
        if (e.machine === machine && e.channel === channel) handler(e.payload);
      });
    },
  };
  return {
    client: buildApiClient(transport),
    // After a dropped SSH connection, state is read again (events sent meanwhile were missed).
    onReconnect(l) {
      let was: string | null = null;
      local.on('machine.status', (m) => {
        if (m.name !== machine) return;
        if (m.state === 'connected' && was && was !== 'connected') l();
        was = m.state;
      });
    },
  };
}
