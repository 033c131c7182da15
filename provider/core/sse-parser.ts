import { createParser, type EventSourceParser } from 'eventsource-parser';

/** One Server-Sent Event. */
export interface SseEvent {
  readonly event: string;
  readonly data: string;
  /** The `id` sent with this event; absent when the event carried none. */
  readonly id?: string;
}

/**
 * Incremental reader of a `text/event-stream` body over `eventsource-parser` (a maintained, spec-tested parser that
 * scans each character once however the stream is chunked): feed it decoded chunks, get complete events. Comments
 * (heartbeats) and `retry` lines are skipped. Each event keeps only its own `id` (not the stream's last one), since
 * the gate uses it as the ETag of exactly the manifest it came with.
 */
export class SseParser {
  private readonly parser: EventSourceParser;
  private completed: SseEvent[] = [];

  constructor() {
    this.parser = createParser({
      onEvent: (message) =>
        this.completed.push({
          event: message.event ?? 'message',
          data: message.data,
          ...(message.id === undefined ? {} : { id: message.id }),
        }),
    });
  }

  /** Adds a chunk of text and returns the events it completed. */
  push(chunk: string): SseEvent[] {
    this.parser.feed(chunk);
    const events = this.completed;
    this.completed = [];
    return events;
  }
}
