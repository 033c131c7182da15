import { performance } from 'node:perf_hooks';

/** A raw SSE client of the manifest stream: records when each complete frame (by its `id:`) arrived. */
export interface SseSubscriber {
  /** Resolves with the arrival time of the frame whose id is `etag` (at once if it already arrived). */
  arrival(etag: string): Promise<number>;
  /** Bytes received so far. */
  readonly bytes: number;
  close(): void;
}

const HEAD_BYTES = 512;
const NEWLINE = 0x0a;

/**
 * Opens `url` as an event stream and keeps reading it until closed. Frames are scanned as bytes and only the first
 * HEAD_BYTES of each are kept (the `id:` line comes before `data:`), so a subscriber costs what a socket reader
 * costs, not a copy of every multi-megabyte manifest, and the figures are the service's, not the test client's.
 */
export async function openSseSubscriber(url: string): Promise<SseSubscriber> {
  const controller = new AbortController();
  const response = await fetch(url, { signal: controller.signal, headers: { accept: 'text/event-stream' } });
  if (!response.ok || !response.body) throw new Error(`stream ${url} answered ${response.status}`);
  const arrived = new Map<string, number>();
  const waiting = new Map<string, (at: number) => void>();
  let bytes = 0;
  let head: Buffer[] = [];
  let headLength = 0;
  let previousByte = -1;
  const onFrameEnd = (): void => {
    const text = Buffer.concat(head).toString('utf8');
    head = [];
    headLength = 0;
    const idLine = text.split('\n').find((line) => line.startsWith('id: '));
    if (!idLine) return;
    const etag = idLine.slice(4);
    const at = performance.now();
    arrived.set(etag, at);
    waiting.get(etag)?.(at);
    waiting.delete(etag);
  };
  const keep = (part: Buffer): void => {
    if (headLength >= HEAD_BYTES) return;
    const slice = Buffer.from(part.subarray(0, HEAD_BYTES - headLength));
    head.push(slice);
    headLength += slice.length;
  };
  void (async () => {
    try {
      for await (const chunk of response.body as unknown as AsyncIterable<Uint8Array>) {
        const buffer = Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength);
        bytes += buffer.length;
        let from = 0;
        if (previousByte === NEWLINE && buffer[0] === NEWLINE) {
          onFrameEnd();
          from = 1;
        }
        for (let end = buffer.indexOf('\n\n', from); end >= 0; end = buffer.indexOf('\n\n', from)) {
          keep(buffer.subarray(from, end));
          onFrameEnd();
          from = end + 2;
        }
        keep(buffer.subarray(from));
        previousByte = buffer.length > 0 ? buffer[buffer.length - 1]! : previousByte;
      }
    } catch {
      // aborted by close()
    }
  })();
  return {
    arrival(etag) {
      const at = arrived.get(etag);
      if (at !== undefined) return Promise.resolve(at);
      return new Promise((resolve) => waiting.set(etag, resolve));
    },
    get bytes() {
      return bytes;
    },
    close() {
      controller.abort();
    },
  };
}
