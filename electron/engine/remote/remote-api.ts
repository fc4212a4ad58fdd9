// The remote serve's API through the forwarded port: the same contract over HTTP and its
// WebSocket, authenticated with the token read over SSH. Only this process holds the token;
// browsers and the renderer reach the machine through the local service (machines.call).
import WebSocket from 'ws';
import { HTTP_PREFIX, WS_PATH, type ApiResponse, type ServerMessage } from '../../../shared/api/transport.js';

export class RemoteApi {
  constructor(
    private readonly machine: string,
    private readonly port: () => number,
    private readonly token: () => string,
  ) {}

  async call(name: string, input: unknown, timeoutMs = 120_000): Promise<ApiResponse<unknown>> {
    let res: Response;
    try {
      res = await fetch(`http://127.0.0.1:${this.port()}${HTTP_PREFIX}${name}`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${this.token()}` },
        body: input === undefined ? '' : JSON.stringify(input),
        signal: AbortSignal.timeout(timeoutMs),
      });
    } catch (err) {
      return { ok: false, error: { code: 'ENGINE_UNAVAILABLE', message: `Machine '${this.machine}' did not answer ${name}: ${(err as Error).message}.`, hint: 'The SSH connection may have dropped: Berth reconnects by itself; retry in a moment.' } };
    }
    try {
      return (await res.json()) as ApiResponse<unknown>;
    } catch {
      return { ok: false, error: { code: 'INTERNAL', message: `Machine '${this.machine}' answered ${res.status} to ${name} without a readable reply.`, hint: 'Retry; if it persists, restart Berth there.' } };
    }
  }

  /** Opens the event stream; resolves once connected. The socket reports its own close. */
  events(onEvent: (channel: string, payload: unknown) => void, onClose: () => void): Promise<WebSocket> {
    return new Promise((resolve, reject) => {
      const ws = new WebSocket(`ws://127.0.0.1:${this.port()}${WS_PATH}`, { headers: { authorization: `Bearer ${this.token()}` } });
      let open = false;
      ws.on('open', () => {
        open = true;
        resolve(ws);
      });
      ws.on('message', (data) => {
        let msg: ServerMessage;
        try {
          msg = JSON.parse(String(data)) as ServerMessage;
        } catch {
          return;
        }
        if (msg.type === 'event') onEvent(msg.channel, msg.payload);
      });
      ws.on('error', (err) => {
        if (!open) reject(err);
      });
      ws.on('close', () => {
        if (open) onClose();
      });
    });
  }
}
