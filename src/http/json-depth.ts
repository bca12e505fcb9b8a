/**
 * How deeply a JSON body may nest. Bandwidth's events nest two levels, GraphQL requests a few
 * more; a body nested thousands deep (64 KiB of `[`) is an attack on every recursive walk after
 * the parser (serialising it for the log, canonicalising it for a dedupe key).
 */
export const MAX_JSON_DEPTH = 32;

/** Whether `value` nests more than `max` arrays or objects deep. Walks without recursion. */
export function nestsDeeperThan(value: unknown, max: number): boolean {
  const pending: Array<[unknown, number]> = [[value, 0]];
  while (pending.length > 0) {
    const [node, depth] = pending.pop()!;
    if (node === null || typeof node !== 'object') continue;
    if (depth + 1 > max) return true;
    for (const child of Object.values(node)) pending.push([child, depth + 1]);
  }
  return false;
}
