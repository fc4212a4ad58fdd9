// Runs sandboxed before the UI loads. It exposes exactly one thing, `window.berth`: an
// ApiClient made from the contract's command names (invoke) and event channels (on/off),
// plus pathForFile for drag-and-drop.
// ipcRenderer itself never reaches the page.
import { contextBridge, ipcRenderer, webUtils } from 'electron';
import { buildApiClient } from '../../shared/api/client.js';
import { IPC_COMMAND_PREFIX, IPC_EVENT_CHANNEL, isErrorShape, type ApiResponse, type EventMessage } from '../../shared/api/transport.js';
import { isEventChannel, type EventChannel } from '../../shared/api/events.js';

const listeners = new Map<EventChannel, Set<(payload: unknown) => void>>();

ipcRenderer.on(IPC_EVENT_CHANNEL, (_event, msg: EventMessage) => {
  if (!msg || !isEventChannel(msg.channel)) return;
  for (const h of listeners.get(msg.channel) ?? []) {
    try {
      h(msg.payload);
    } catch {
      // One broken UI listener must not stop the others.
    }
  }
});

const api = buildApiClient(
  {
    invoke: async (name, input) => {
      try {
        return (await ipcRenderer.invoke(IPC_COMMAND_PREFIX + name, input)) as ApiResponse<unknown>;
      } catch (err) {
        return { ok: false, error: { code: 'INTERNAL', message: `Berth did not answer '${name}': ${err instanceof Error ? err.message : String(err)}`, hint: 'Restart Berth; if it persists, report it.' } };
      }
    },
    subscribe: (channel, handler) => {
      if (!isEventChannel(channel)) return () => {};
      let set = listeners.get(channel);
      if (!set) listeners.set(channel, (set = new Set()));
      set.add(handler);
      return () => set!.delete(handler);
    },
  },
  // contextBridge drops custom fields of Error objects: reject with the plain shape.
  { toThrown: (e) => (isErrorShape(e) ? { code: e.code, message: e.message, ...(e.hint ? { hint: e.hint } : {}) } : e) },
);

// Drag-and-drop of a config.yaml: the page gets the dropped file's path, nothing more.
const pathForFile = (file: File): string => webUtils.getPathForFile(file);

contextBridge.exposeInMainWorld('berth', { ...api, pathForFile });
