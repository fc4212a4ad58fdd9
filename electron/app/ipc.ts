// Binds every contract command to ipcMain in one loop over the shared name list, so a
// command added to the contract is reachable from the renderer without touching this file.
import { COMMAND_NAMES, IPC_COMMAND_PREFIX, IPC_EVENT_CHANNEL, type ApiResponse, type EventMessage } from '../../shared/api/index.js';
import type { EventBus } from '../engine/service/event-bus.js';

export interface IpcMainLike {
  handle(channel: string, listener: (event: { senderFrame?: { url: string } | null }, ...args: unknown[]) => unknown): void;
  removeHandler(channel: string): void;
}

export interface CommandTarget {
  handle(name: string, input: unknown): Promise<ApiResponse<unknown>>;
}

const REFUSED: ApiResponse<never> = {
  ok: false,
  error: { code: 'BAD_REQUEST', message: 'This window may not call Berth.', hint: 'Only the Berth UI can use its API; reload the Berth window.' },
};

export function bindCommands(ipcMain: IpcMainLike, target: CommandTarget, isTrustedSender: (frameUrl: string | undefined) => boolean): () => void {
  for (const name of COMMAND_NAMES) {
    ipcMain.handle(IPC_COMMAND_PREFIX + name, async (event, input) => {
      if (!isTrustedSender(event.senderFrame?.url)) return REFUSED;
      return target.handle(name, input);
    });
  }
  return () => {
    for (const name of COMMAND_NAMES) ipcMain.removeHandler(IPC_COMMAND_PREFIX + name);
  };
}

export interface WebContentsLike {
  isDestroyed(): boolean;
  send(channel: string, ...args: unknown[]): void;
}

/**
 * Forwards every bus event to the open windows as EventMessages on one channel. Remote
 * machines' machine.events go to all windows (the renderer keeps its machine's): the windows
 * are the one local user's, unlike `berth serve`'s pages, which ask for theirs (?machine=).
 */
export function forwardEvents(bus: EventBus, targets: () => WebContentsLike[]): () => void {
  return bus.subscribe((channel, payload) => {
    const msg = { type: 'event', channel, payload } as EventMessage;
    for (const wc of targets()) {
      if (!wc.isDestroyed()) wc.send(IPC_EVENT_CHANNEL, msg);
    }
  });
}
