// Tray tooltip text from deployment summaries.
import type { DeploymentSummary } from '../../shared/deployment.js';

const BUSY = new Set(['pulling', 'building', 'fetching_weights', 'starting', 'waiting_for_startup', 'restarting', 'stopping']);
const BAD = new Set(['failed', 'crash_loop', 'not_ready']);

export function trayStatus(summaries: DeploymentSummary[]): string {
  const ready = summaries.filter((s) => s.state.name === 'ready').length;
  const busy = summaries.filter((s) => BUSY.has(s.state.name)).length;
  const bad = summaries.filter((s) => BAD.has(s.state.name)).length;
  const parts = [`${ready} ready`];
  if (busy) parts.push(`${busy} starting`);
  if (bad) parts.push(`${bad} need attention`);
  return `Berth: ${parts.join(', ')}`;
}
