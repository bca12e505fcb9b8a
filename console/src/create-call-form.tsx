import { useState, type FormEvent } from 'react';
import { useConnection } from './connection-context';
import { CreateCallMutation } from './documents';
import { ErrorMessage } from './error-message';
import type { CallFieldsFragment } from './gql/graphql';
import { useIdempotencyKey } from './idempotency-key';
import { useMutation } from './use-mutation';

/** One URL per line; blank lines are ignored. */
function audioLines(text: string): { fileUrl: string }[] {
  return text
    .split('\n')
    .map((line) => line.trim())
    .filter(Boolean)
    .map((fileUrl) => ({ fileUrl }));
}

export function CreateCallForm({ onCreated }: { onCreated(call: CallFieldsFragment): void }) {
  const connection = useConnection();
  const [from, setFrom] = useState('+19195550100');
  const [to, setTo] = useState('+19195550123');
  const [audio, setAudio] = useState('https://example.com/audio/hello.mp3\nhttps://example.com/audio/menu.wav');
  const [ringTimeout, setRingTimeout] = useState('');
  const idempotency = useIdempotencyKey();
  const create = useMutation(async () => {
    const callTimeoutSeconds = ringTimeout.trim() === '' ? undefined : Number(ringTimeout);
    const input = { from: from.trim(), to: to.trim(), audio: audioLines(audio), callTimeoutSeconds };
    const idempotencyKey = idempotency.key(JSON.stringify(input));
    const { createCall } = await connection.request(CreateCallMutation, { input: { ...input, idempotencyKey } });
    idempotency.done();
    onCreated(createCall);
  });
  const submit = (event: FormEvent): void => {
    event.preventDefault();
    void create.run();
  };
  return (
    <form className="card create-call" onSubmit={submit} aria-label="Place a call">
      <h2>Place a call</h2>
      <div className="row">
        <label>
          From
          <input name="from" value={from} onChange={(event) => setFrom(event.target.value)} required />
        </label>
        <label>
          To
          <input name="to" value={to} onChange={(event) => setTo(event.target.value)} required />
        </label>
      </div>
      <label>
        Audio files to play on answer, one URL per line (.mp3 or .wav)
        <textarea name="audio" rows={3} value={audio} onChange={(event) => setAudio(event.target.value)} />
      </label>
      <div className="row">
        <label>
          Ring timeout (s)
          <input name="callTimeoutSeconds" inputMode="numeric" placeholder="60" value={ringTimeout} onChange={(event) => setRingTimeout(event.target.value)} />
        </label>
        <button type="submit" disabled={create.pending}>
          Place call
        </button>
      </div>
      <ErrorMessage error={create.error} />
    </form>
  );
}
