import { performance } from 'node:perf_hooks';

/** A raw SSE client of the manifest stream: records when each complete frame (by its `id:`) arrived. */
export interface SseSubscriber {
  /** Resolves with the arrival time of the frame whose id is `etag` (at once if it already arrived). */
  arrival(etag: string): Promise<number>;
  /** Bytes received so far. */
  readonly bytes: number;
  close(): void;
}

/** Opens `url` as an event stream and keeps reading it until closed. */
export async function openSseSubscriber(url: string): Promise<SseSubscriber> {
  const controller = new AbortController();
  const response = await fetch(url, { signal: controller.signal, headers: { accept: 'text/event-stream' } });
  if (!response.ok || !response.body) throw new Error(`stream ${url} answered ${response.status}`);
  const arrived = new Map<string, number>();
  const waiting = new Map<string, (at: number) => void>();
  let bytes = 0;
  const decoder = new TextDecoder();
  let pending = '';
  const onFrame = (frame: string): void => {
    const idLine = frame.split('\n', 4).find((line) => line.startsWith('id: '));
    if (!idLine) return;
    const etag = idLine.slice(4);
    const at = performance.now();
    arrived.set(etag, at);
    waiting.get(etag)?.(at);
    waiting.delete(etag);
  };
  void (async () => {
    try {
      for await (const chunk of response.body as unknown as AsyncIterable<Uint8Array>) {
        bytes += chunk.byteLength;
        const text = decoder.decode(chunk, { stream: true });
        // search only the new text (and one char before it) so large frames are scanned once
        let from = Math.max(0, pending.length - 1);
        pending += text;
        for (let end = pending.indexOf('\n\n', from); end >= 0; end = pending.indexOf('\n\n', from)) {
          onFrame(pending.slice(0, end));
          pending = pending.slice(end + 2);
          from = 0;
        }
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
