// The machines manager: the store plus one RemoteMachine per added machine, connected on
// first use (the UI connects the one selected; `--on NAME` connects for one command).
import { EventEmitter } from 'node:events';
import type { ApiResponse } from '../../../shared/api/transport.js';
import type { MachineInfo } from '../../../shared/remote.js';
import { RemoteMachine, type MachineOptions } from './machine.js';
import { MachinesStore, type MachineRecord } from './machines-store.js';
import { uploadTruss } from './upload.js';

export const LOCAL_MACHINE: MachineInfo = { name: 'local', url: null, command: null, state: 'local', reason: null, hint: null, remoteVersion: null, remoteApiVersion: null, warnings: [], retryAt: null };

export class Machines extends EventEmitter {
  readonly store: MachinesStore;
  private readonly live = new Map<string, RemoteMachine>();

  constructor(dataDir: string, private readonly o: MachineOptions) {
    super();
    this.store = new MachinesStore(dataDir);
  }

  private machine(rec: MachineRecord): RemoteMachine {
    let m = this.live.get(rec.name);
    if (!m) {
      m = new RemoteMachine(rec, this.o);
      m.on('status', (info) => this.emit('status', info));
      m.on('event', (channel, payload) => this.emit('event', { machine: rec.name, channel, payload }));
      this.live.set(rec.name, m);
    }
    return m;
  }

  async get(name: string): Promise<RemoteMachine> {
    return this.machine(await this.store.get(name));
  }

  async list(): Promise<MachineInfo[]> {
    return [LOCAL_MACHINE, ...(await this.store.list()).map((r) => this.machine(r).info())];
  }

  async add(rec: MachineRecord): Promise<MachineInfo> {
    return this.machine(await this.store.add(rec)).info();
  }

  async remove(name: string): Promise<void> {
    await this.store.remove(name);
    await this.live.get(name)?.close();
    this.live.delete(name);
  }

  /** Connects; a failure is reported in the returned state (reason, hint), not thrown. */
  async connect(name: string): Promise<MachineInfo> {
    const m = await this.get(name);
    await m.connect().catch(() => {});
    return m.info();
  }

  async call(name: string, command: string, input: unknown): Promise<ApiResponse<unknown>> {
    return (await this.get(name)).call(command, input);
  }

  async upload(name: string, localPath: string): Promise<{ path: string; files: number }> {
    const { conn, uploadsDir } = await (await this.get(name)).sftpConnection();
    return uploadTruss(conn, uploadsDir, localPath);
  }

  async close(): Promise<void> {
    await Promise.allSettled([...this.live.values()].map((m) => m.close()));
    this.live.clear();
  }
}
