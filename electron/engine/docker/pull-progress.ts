// Folds the engine's per-layer pull messages into one PullProgress. A layer counts its
// download bytes (most of the wait) and then its extraction; "Already exists" and
// "Pull complete" mark it done. The fraction never moves backwards in the UI even when a
// newly announced layer grows the total.
import type { PullProgress } from '../../../shared/deployment.js';

export interface PullMessage {
  id?: string;
  status?: string;
  progressDetail?: { current?: number; total?: number };
  error?: string;
  errorDetail?: { message?: string };
}

interface LayerState {
  id: string;
  status: string;
  dlCurrent: number;
  dlTotal: number;
  exCurrent: number;
  exTotal: number;
  done: boolean;
}

const DOWNLOAD_WEIGHT = 0.8;

export class PullProgressTracker {
  private layers = new Map<string, LayerState>();
  private maxFraction = 0;
  digest?: string;

  constructor(private readonly image: string) {}

  /** Returns true when the message changed the picture. */
  update(m: PullMessage): boolean {
    const status = m.status ?? '';
    if (status.startsWith('Digest: ')) {
      this.digest = status.slice('Digest: '.length).trim();
      return true;
    }
    // Messages about the whole image ("Pulling from x", "Status: ...") carry the tag as id.
    if (!m.id || status.startsWith('Pulling from') || status.startsWith('Status:')) return false;
    let l = this.layers.get(m.id);
    if (!l) {
      l = { id: m.id, status, dlCurrent: 0, dlTotal: 0, exCurrent: 0, exTotal: 0, done: false };
      this.layers.set(m.id, l);
    }
    l.status = status;
    const cur = m.progressDetail?.current ?? 0;
    const tot = m.progressDetail?.total ?? 0;
    if (status === 'Downloading') {
      l.dlCurrent = cur;
      if (tot > 0) l.dlTotal = tot;
    } else if (status === 'Verifying Checksum' || status === 'Download complete') {
      l.dlCurrent = l.dlTotal;
    } else if (status === 'Extracting') {
      l.dlCurrent = l.dlTotal;
      l.exCurrent = cur;
      if (tot > 0) l.exTotal = tot;
      if (!l.dlTotal && tot > 0) l.dlTotal = l.dlCurrent = tot;
    } else if (status === 'Pull complete' || status === 'Already exists') {
      l.dlCurrent = l.dlTotal;
      l.exCurrent = l.exTotal;
      l.done = true;
    }
    return true;
  }

  snapshot(): PullProgress {
    let bytesDone = 0;
    let bytesTotal = 0;
    let weighted = 0;
    let weights = 0;
    const layers: PullProgress['layers'] = [];
    for (const l of this.layers.values()) {
      layers.push({ id: l.id, status: l.status, current: l.done ? l.dlTotal : l.dlCurrent, total: l.dlTotal });
      if (l.dlTotal > 0) {
        bytesTotal += l.dlTotal;
        bytesDone += l.done ? l.dlTotal : Math.min(l.dlCurrent, l.dlTotal);
        const dl = l.done ? 1 : Math.min(1, l.dlCurrent / l.dlTotal);
        const ex = l.done ? 1 : l.exTotal > 0 ? Math.min(1, l.exCurrent / l.exTotal) : 0;
        weighted += l.dlTotal * (DOWNLOAD_WEIGHT * dl + (1 - DOWNLOAD_WEIGHT) * ex);
        weights += l.dlTotal;
      }
    }
    // 100% only comes from complete(): more layers may still be announced.
    const fraction = Math.min(weights > 0 ? weighted / weights : 0, 0.999);
    this.maxFraction = Math.max(this.maxFraction, fraction);
    return { image: this.image, layers, bytesDone, bytesTotal, fraction: this.maxFraction, ...(this.digest ? { digest: this.digest } : {}) };
  }

  /** The final picture after the engine reported success. */
  complete(digest?: string): PullProgress {
    for (const l of this.layers.values()) {
      l.done = true;
      l.dlCurrent = l.dlTotal;
    }
    if (digest) this.digest = digest;
    this.maxFraction = 1;
    const s = this.snapshot();
    return { ...s, fraction: 1 };
  }
}
