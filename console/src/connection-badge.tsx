import { useConnectionStatus } from './connection-context';

export function ConnectionBadge() {
  const status = useConnectionStatus();
  const text = (() => {
    switch (status.kind) {
      case 'connected':
        return 'Live';
      case 'connecting':
        return 'Connecting…';
      case 'reconnecting':
        return `Connection lost: reconnecting in ${Math.ceil(status.retryInMs / 1000)} s (attempt ${status.attempt})`;
      case 'token-required':
        return 'API token needed';
    }
  })();
  return (
    <span className={`connection connection-${status.kind}`} role="status" aria-label="Connection" data-status={status.kind}>
      {text}
    </span>
  );
}
