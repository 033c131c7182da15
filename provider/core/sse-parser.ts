/** One Server-Sent Event. */
export interface SseEvent {
  readonly event: string;
  readonly data: string;
  readonly id?: string;
}

/**
 * Incremental parser of a `text/event-stream` body (WHATWG HTML §9.2.6): feed it decoded chunks, get complete events.
 * Comments (heartbeats) and `retry` lines are skipped. Line breaks are searched natively and each character once, however
 * the stream is chunked, so a manifest of tens of kilobytes split over many chunks costs no more than one.
 */
export class SseParser {
  private buffer = '';
  /** Where to continue looking for a line break in `buffer` (everything before has none). */
  private scanned = 0;
  /** The last chunk ended in CR, so an LF opening the next one completes a CRLF, not another line. */
  private afterCr = false;
  private event = '';
  private data: string[] = [];
  private id: string | undefined;

  /** Adds a chunk of text and returns the events it completed. */
  push(chunk: string): SseEvent[] {
    if (this.afterCr && chunk.charCodeAt(0) === 10) chunk = chunk.slice(1);
    this.afterCr = false;
    this.buffer = this.buffer.length === 0 ? chunk : this.buffer + chunk;
    const buffer = this.buffer;
    const events: SseEvent[] = [];
    let lineStart = 0;
    let index = this.scanned;
    let cr = buffer.indexOf('\r', index);
    for (;;) {
      if (cr !== -1 && cr < index) cr = buffer.indexOf('\r', index);
      const lf = buffer.indexOf('\n', index);
      const end = lf === -1 ? cr : cr === -1 ? lf : Math.min(lf, cr);
      if (end === -1) {
        index = buffer.length;
        break;
      }
      if (end === cr && end + 1 === buffer.length) this.afterCr = true;
      this.line(buffer.slice(lineStart, end), events);
      index = end === cr && lf === end + 1 ? end + 2 : end + 1;
      lineStart = index;
    }
    this.buffer = lineStart === 0 ? buffer : buffer.slice(lineStart);
    this.scanned = index - lineStart;
    return events;
  }

  private line(line: string, events: SseEvent[]): void {
    if (line === '') {
      if (this.data.length > 0)
        events.push({
          event: this.event || 'message',
          data: this.data.join('\n'),
          ...(this.id === undefined ? {} : { id: this.id }),
        });
      this.event = '';
      this.data = [];
      return;
    }
    if (line.charCodeAt(0) === 58) return; // ':' comment
    const colon = line.indexOf(':');
    const field = colon < 0 ? line : line.slice(0, colon);
    let value = colon < 0 ? '' : line.slice(colon + 1);
    if (value.charCodeAt(0) === 32) value = value.slice(1);
    if (field === 'event') this.event = value;
    else if (field === 'data') this.data.push(value);
    else if (field === 'id') this.id = value;
  }
}
