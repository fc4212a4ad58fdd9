import { useStore } from '../lib/store.js';
import { engineStore, transportStore } from '../state/connection.js';

export function Banners() {
  const transport = useStore(transportStore);
  const engine = useStore(engineStore);
  return (
    <>
      {transport && !transport.connected && (
        <div className="banner warn" role="alert" data-testid="disconnected-banner">
          <strong>Disconnected from the Berth service.</strong>
          <span> Reconnecting{transport.retryInMs ? ` in ${Math.ceil(transport.retryInMs / 1000)}s` : ''}… Check that <code>berth serve</code> is running.</span>
        </div>
      )}
      {engine && !engine.up && (
        <div className="banner bad" role="alert" data-testid="engine-banner">
          <strong>Docker engine unavailable{engine.reason ? `: ${engine.reason.replace(/\.+$/, '')}` : ''}.</strong>
          {engine.hint && <span> {engine.hint}</span>}
        </div>
      )}
    </>
  );
}
