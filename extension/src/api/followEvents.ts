/** What {@link followEvents} needs of `EventSource` (injected so tests can drive it). */
export interface EventSourceLike {
  addEventListener(type: string, listener: (event: MessageEvent<string>) => void): void;
  close(): void;
  onerror: ((event: Event) => void) | null;
}
export type EventSourceFactory = (url: string) => EventSourceLike;

/** Handlers by event name; each gets the event's parsed JSON data. */
export type EventHandlers = Record<string, (data: unknown) => void>;

/**
 * Follows a server-sent event stream of a job: calls `handlers[event]` with the parsed data of each named event and
 * closes the stream after `done`. `onLost` is called when the stream breaks before `done` (the browser would
 * reconnect; we stop and let the caller poll instead). Returns a function that closes the stream.
 */
export function followEvents(
  open: EventSourceFactory,
  url: string,
  handlers: EventHandlers,
  onLost: () => void = () => undefined,
): () => void {
  const source = open(url);
  let closed = false;
  const close = (): void => {
    if (closed) return;
    closed = true;
    source.close();
  };
  const names = new Set([...Object.keys(handlers), 'done']);
  for (const name of names) {
    const handle = handlers[name] ?? (() => undefined);
    source.addEventListener(name, (event) => {
      if (closed) return;
      let data: unknown;
      try {
        data = JSON.parse(event.data);
      } catch {
        return;
      }
      handle(data);
      if (name === 'done') close();
    });
  }
  source.onerror = () => {
    if (closed) return;
    close();
    onLost();
  };
  return close;
}
