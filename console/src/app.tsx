import { useState } from 'react';
import { CallDetail } from './call-detail';
import { CallsList } from './calls-list';
import { ConnectionBadge } from './connection-badge';
import { CreateCallForm } from './create-call-form';
import { ErrorMessage } from './error-message';
import { TokenForm } from './token-form';
import { useLiveCalls } from './use-live-calls';

export function App() {
  const { calls, error, merge } = useLiveCalls();
  const [selectedId, setSelectedId] = useState<string>();
  const selected = calls.find((call) => call.id === selectedId);
  return (
    <>
      <header className="top">
        <h1>Call console</h1>
        <ConnectionBadge />
        <a className="explorer-link" href="/graphql">
          GraphQL explorer
        </a>
      </header>
      <main>
        <div className="column">
          <CreateCallForm
            onCreated={(call) => {
              merge(call);
              setSelectedId(call.id);
            }}
          />
          <section className="card">
            <h2>Calls</h2>
            <ErrorMessage error={error} />
            <CallsList calls={calls} selectedId={selectedId} onSelect={setSelectedId} />
          </section>
        </div>
        <div className="column">
          {selected ? <CallDetail key={selected.id} call={selected} onChanged={merge} /> : <p className="card empty">Select a call to see its audio and timeline.</p>}
        </div>
      </main>
      <TokenForm />
    </>
  );
}
