import { fileName, timeOfDay, titleCase } from './format';
import type { CallFieldsFragment } from './gql/graphql';

export function StateBadge({ state }: { state: CallFieldsFragment['state'] }) {
  return (
    <span className={`state state-${state.toLowerCase()}`} data-state={state}>
      {titleCase(state)}
    </span>
  );
}

function queued(call: CallFieldsFragment): number {
  return call.playbacks.filter((playback) => playback.status === 'QUEUED').length;
}

export function CallsList(props: { calls: CallFieldsFragment[]; selectedId: string | undefined; onSelect(id: string): void }) {
  if (props.calls.length === 0) return <p className="empty">No calls yet. Place one, or call in.</p>;
  return (
    <table className="calls" aria-label="Calls">
      <thead>
        <tr>
          <th>State</th>
          <th>Direction</th>
          <th>From → To</th>
          <th>Now playing</th>
          <th>Queue</th>
          <th>Created</th>
        </tr>
      </thead>
      <tbody>
        {props.calls.map((call) => (
          <tr
            key={call.id}
            data-call-id={call.id}
            aria-selected={call.id === props.selectedId}
            className={call.id === props.selectedId ? 'selected' : undefined}
            tabIndex={0}
            onClick={() => props.onSelect(call.id)}
            onKeyDown={(event) => {
              if (event.key === 'Enter' || event.key === ' ') {
                event.preventDefault();
                props.onSelect(call.id);
              }
            }}
          >
            <td>
              <StateBadge state={call.state} />
            </td>
            <td>{titleCase(call.direction)}</td>
            <td>
              {call.from} → {call.to}
            </td>
            <td className="now-playing">{call.nowPlaying ? fileName(call.nowPlaying.fileUrl) : ''}</td>
            <td className="queue-depth">{queued(call) || ''}</td>
            <td>{timeOfDay(call.createdAt)}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}
