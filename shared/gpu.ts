// What Berth knows about the local NVIDIA GPUs and whether containers can use them.
export interface GpuInfo {
  index: number;
  uuid: string;
  name: string;
  memoryTotalMiB: number;
  memoryUsedMiB: number;
  utilizationPct: number | null;
  temperatureC: number | null;
  powerDrawW: number | null;
  powerLimitW: number | null;
}

export interface GpuSample {
  time: number; // ms since epoch
  gpus: Array<Pick<GpuInfo, 'index' | 'uuid' | 'memoryUsedMiB' | 'utilizationPct' | 'temperatureC' | 'powerDrawW'>>;
}

export interface GpuCapabilities {
  /** Containers can be given GPUs through this engine. */
  usable: boolean;
  /** How: the nvidia runtime registered in the engine, CDI specs, or none. */
  via: 'nvidia-runtime' | 'cdi' | 'none';
  /** Human explanation of what is missing and what to do, when not usable. */
  reason?: string;
  hint?: string;
}

export interface GpuReport {
  gpus: GpuInfo[];
  driverVersion: string | null;
  cudaVersion: string | null;
  /** Why no GPU was found (no nvidia-smi, driver not loaded, ...), when gpus is empty. */
  notFoundReason?: string;
  capabilities: GpuCapabilities;
}
