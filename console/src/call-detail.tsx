import { useState, type FormEvent } from 'react';
import { StateBadge } from './calls-list';
import { CallTimeline } from './call-timeline';
import { useConnection } from './connection-context';
import { AnswerCallMutation, HangUpCallMutation, PlayAudioMutation, StopAudioMutation } from './documents';
import { ErrorMessage } from './error-message';
import { fileName, timeOfDay, titleCase } from './format';
import type { CallFieldsFragment } from './gql/graphql';
import { useIdempotencyKey } from './idempotency-key';
import { useMutation } from './use-mutation';

const ENDED = new Set<CallFieldsFragment['state']>(['COMPLETED', 'FAILED']);

function CallActions({ call, onChanged }: { call: CallFieldsFragment; onChanged(call: CallFieldsFragment): void }) {
  const connection = useConnection();
  const variables = { callId: call.id };
  const answer = useMutation(async () => onChanged((await connection.request(AnswerCallMutation, variables)).answerCall));
  const hangUp = useMutation(async () => onChanged((await connection.request(HangUpCallMutation, variables)).hangUpCall));
  const stop = useMutation(async () => onChanged((await connection.request(StopAudioMutation, variables)).stopAudio));
  const live = !ENDED.has(call.state);
  const hasAudio = call.playbacks.some((playback) => playback.status === 'PLAYING' || playback.status === 'QUEUED');
  return (
    <div className="actions">
      {call.direction === 'INBOUND' && call.state === 'RINGING' && (
        <button type="button" onClick={() => void answer.run()} disabled={answer.pending}>
          Answer
        </button>
      )}
      <button type="button" onClick={() => void stop.run()} disabled={!live || !hasAudio || stop.pending}>
        Stop audio
      </button>
      <button type="button" className="danger" onClick={() => void hangUp.run()} disabled={!live || hangUp.pending}>
        Hang up
      </button>
      <ErrorMessage error={answer.error ?? hangUp.error ?? stop.error} />
    </div>
  );
}

function PlayAudioForm({ call }: { call: CallFieldsFragment }) {
  const connection = useConnection();
  const [fileUrl, setFileUrl] = useState('https://example.com/audio/announcement.mp3');
  const [interrupt, setInterrupt] = useState(false);
  const [loop, setLoop] = useState(false);
  const idempotency = useIdempotencyKey();
  const play = useMutation(async () => {
    const input = { callId: call.id, fileUrl: fileUrl.trim(), interrupt, loop };
    await connection.request(PlayAudioMutation, { input: { ...input, idempotencyKey: idempotency.key(JSON.stringify(input)) } });
    idempotency.done();
  });
  const submit = (event: FormEvent): void => {
    event.preventDefault();
    void play.run();
  };
  return (
    <form className="play-audio" onSubmit={submit} aria-label="Play audio">
      <label className="grow">
        Audio file URL
        <input name="fileUrl" value={fileUrl} onChange={(event) => setFileUrl(event.target.value)} required />
      </label>
      <label className="check">
        <input type="checkbox" name="interrupt" checked={interrupt} onChange={(event) => setInterrupt(event.target.checked)} /> Interrupt
      </label>
      <label className="check">
        <input type="checkbox" name="loop" checked={loop} onChange={(event) => setLoop(event.target.checked)} /> Loop
      </label>
      <button type="submit" disabled={ENDED.has(call.state) || play.pending}>
        {interrupt ? 'Play now' : 'Queue'}
      </button>
      <ErrorMessage error={play.error} />
    </form>
  );
}

export function CallDetail({ call, onChanged }: { call: CallFieldsFragment; onChanged(call: CallFieldsFragment): void }) {
  return (
    <article className="card call-detail" aria-label="Call" data-call-id={call.id}>
      <header>
        <h2>
          {call.from} → {call.to}
        </h2>
        <StateBadge state={call.state} />
      </header>
      <dl className="facts">
        <dt>Direction</dt>
        <dd>{titleCase(call.direction)}</dd>
        <dt>Id</dt>
        <dd>
          <code>{call.id}</code>
        </dd>
        <dt>Created</dt>
        <dd>{timeOfDay(call.createdAt)}</dd>
        {call.answeredAt && (
          <>
            <dt>Answered</dt>
            <dd>{timeOfDay(call.answeredAt)}</dd>
          </>
        )}
        {call.endedAt && (
          <>
            <dt>Ended</dt>
            <dd>
              {timeOfDay(call.endedAt)} {call.endReason && `(${titleCase(call.endReason)}${call.hangupCause ? `, ${call.hangupCause}` : ''})`}
            </dd>
          </>
        )}
        <dt>Now playing</dt>
        <dd className="now-playing">{call.nowPlaying ? `${fileName(call.nowPlaying.fileUrl)}${call.nowPlaying.loop ? ' (looping)' : ''}` : 'nothing'}</dd>
      </dl>
      <CallActions call={call} onChanged={onChanged} />
      <section>
        <h3>Audio</h3>
        {call.playbacks.length === 0 ? (
          <p className="empty">Nothing queued.</p>
        ) : (
          <ol className="playbacks" aria-label="Audio queue">
            {call.playbacks.map((playback) => (
              <li key={playback.id} data-status={playback.status}>
                <span className={`playback playback-${playback.status.toLowerCase()}`}>{titleCase(playback.status)}</span> {fileName(playback.fileUrl)}
                {playback.loop && ' (loop)'}
                {playback.error && <span className="error"> {playback.error}</span>}
              </li>
            ))}
          </ol>
        )}
        <PlayAudioForm call={call} />
      </section>
      <CallTimeline callId={call.id} />
    </article>
  );
}
