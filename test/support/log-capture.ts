import { PassThrough } from 'node:stream';

/** The service's JSON log lines, as a test reads them back (pass `stream` as `logStream`). */
export interface CapturedLog {
  stream: PassThrough;
  /** Everything written, as written. */
  text(): string;
  /** Each line, parsed. */
  entries(): Array<Record<string, any>>;
}

export function captureLog(): CapturedLog {
  const chunks: string[] = [];
  const stream = new PassThrough();
  stream.on('data', (chunk: Buffer) => chunks.push(chunk.toString('utf8')));
  const text = () => chunks.join('');
  return {
    stream,
    text,
    entries: () =>
      text()
        .split('\n')
        .filter(Boolean)
        .map((line) => JSON.parse(line) as Record<string, any>),
  };
}
