/** The last segment of a file's URL, which is how people name the files they queue. */
export function fileName(url: string): string {
  try {
    const segments = new URL(url).pathname.split('/').filter(Boolean);
    return decodeURIComponent(segments.at(-1) ?? url);
  } catch {
    return url;
  }
}

/** A time of day to the millisecond: events of one call are often milliseconds apart. */
export function timeOfDay(iso: string | null | undefined): string {
  if (!iso) return '';
  const date = new Date(iso);
  const pad = (value: number, width = 2): string => String(value).padStart(width, '0');
  return `${pad(date.getHours())}:${pad(date.getMinutes())}:${pad(date.getSeconds())}.${pad(date.getMilliseconds(), 3)}`;
}

/** Payload fields worth a glance in a timeline row; the whole payload is one click away. */
const SUMMARY_FIELDS = ['status', 'cause', 'fileUrl', 'audioUrl', 'by', 'error', 'code', 'message', 'bandwidthCallId', 'attempt', 'from', 'to'] as const;

export function payloadSummary(payload: Record<string, unknown>): string {
  const parts: string[] = [];
  for (const field of SUMMARY_FIELDS) {
    const value = payload[field];
    if (value === undefined || value === null || value === '') continue;
    const text = typeof value === 'string' ? value : JSON.stringify(value);
    parts.push(`${field} ${field.endsWith('Url') ? fileName(text) : text}`);
  }
  return parts.join(' · ');
}

export function titleCase(value: string): string {
  return value.charAt(0) + value.slice(1).toLowerCase().replaceAll('_', ' ');
}
