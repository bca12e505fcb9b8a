import { useLayoutEffect, useRef } from 'react';
import { payloadSummary, timeOfDay } from './format';
import { ErrorMessage } from './error-message';
import { useCallTimeline, type TimelineEntry } from './use-call-timeline';

function Entry({ entry }: { entry: TimelineEntry }) {
  switch (entry.kind) {
    case 'resumed':
      return (
        <li className="timeline-note" data-resumed-after={entry.afterSequence}>
          Reconnected at {timeOfDay(entry.at.toISOString())}: resumed after #{entry.afterSequence}
        </li>
      );
    case 'gap':
      return (
        <li className="timeline-note error" data-gap={`${entry.from}-${entry.to}`}>
          Events #{entry.from}–#{entry.to} never arrived
        </li>
      );
    case 'event': {
      const { event } = entry;
      return (
        <li className={`event source-${event.source.toLowerCase()}${event.applied ? '' : ' not-applied'}`} data-sequence={event.sequence} data-type={event.type}>
          <span className="sequence">#{event.sequence}</span>
          <time dateTime={event.receivedAt}>{timeOfDay(event.receivedAt)}</time>
          <span className="type">{event.type}</span>
          <span className="source">{event.source.toLowerCase()}</span>
          {!event.applied && <span className="flag">not applied</span>}
          {event.deliveries > 1 && <span className="flag">delivered {event.deliveries}×</span>}
          <details>
            <summary>{payloadSummary(event.payload) || 'payload'}</summary>
            <pre>{JSON.stringify(event.payload, null, 2)}</pre>
          </details>
        </li>
      );
    }
  }
}

/** The call's log as it grows; a reconnect shows where it resumed, and the numbering shows nothing is missing. */
export function CallTimeline({ callId }: { callId: string }) {
  const { entries, error } = useCallTimeline(callId);
  const list = useRef<HTMLOListElement>(null);
  // Follows new events while the reader is at the end; leaves them alone once they scroll back.
  const following = useRef(true);
  useLayoutEffect(() => {
    if (following.current && list.current) list.current.scrollTop = list.current.scrollHeight;
  }, [entries.length]);
  const onScroll = (): void => {
    const element = list.current;
    if (element) following.current = element.scrollHeight - element.scrollTop - element.clientHeight < 24;
  };
  return (
    <section className="timeline-section">
      <h3>Timeline</h3>
      <ErrorMessage error={error} />
      <ol className="timeline" aria-label="Timeline" ref={list} onScroll={onScroll}>
        {entries.map((entry) => (
          <Entry key={entry.kind === 'event' ? `e${entry.event.sequence}` : entry.kind === 'gap' ? `g${entry.from}` : `r${entry.id}`} entry={entry} />
        ))}
      </ol>
    </section>
  );
}
