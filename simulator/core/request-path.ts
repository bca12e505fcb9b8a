/** The part of a request URL before the query string. */
export function pathOf(url: string): string {
  const queryStart = url.indexOf('?');
  return queryStart === -1 ? url : url.slice(0, queryStart);
}

export function isControlPath(path: string): boolean {
  return path === '/control' || path.startsWith('/control/');
}
