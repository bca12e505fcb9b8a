import { useState, type FormEvent } from 'react';
import { useConnection, useConnectionStatus } from './connection-context';

/** Shown when the service closes the socket for want of a token (4403). */
export function TokenForm() {
  const connection = useConnection();
  const status = useConnectionStatus();
  const [token, setToken] = useState('');
  if (status.kind !== 'token-required') return null;
  const submit = (event: FormEvent): void => {
    event.preventDefault();
    connection.setToken(token);
  };
  return (
    <div className="overlay">
      <form className="card token-form" onSubmit={submit} aria-label="API token">
        <h2>API token</h2>
        <p>This service requires an API token. It is kept in this tab only and sent when the console connects.</p>
        {status.refused && <p className="error" role="alert">The service refused that token.</p>}
        <label>
          Token
          <input type="password" autoComplete="off" value={token} onChange={(event) => setToken(event.target.value)} autoFocus required />
        </label>
        <button type="submit">Connect</button>
      </form>
    </div>
  );
}
