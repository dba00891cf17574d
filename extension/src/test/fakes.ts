import type { EventSourceLike } from '../api/followEvents';
import type { SourceBox, SourceSegment } from '../annotations/types';
import type { AnnotationHost } from '../panels/AnnotationHost';

/** An EventSource the test drives: `emit(name, data)` delivers a named event, `fail()` an error. */
export class FakeEventSource implements EventSourceLike {
  closed = false;
  onerror: ((event: Event) => void) | null = null;
  private readonly listeners = new Map<string, ((event: MessageEvent<string>) => void)[]>();
  constructor(readonly url: string) {}
  addEventListener(type: string, listener: (event: MessageEvent<string>) => void): void {
    this.listeners.set(type, [...(this.listeners.get(type) ?? []), listener]);
  }
  close(): void {
    this.closed = true;
  }
  emit(type: string, data: unknown): void {
    for (const listener of this.listeners.get(type) ?? []) listener(new MessageEvent(type, { data: JSON.stringify(data) }));
  }
  fail(): void {
    this.onerror?.(new Event('error'));
  }
}

/** A viewer without OHIF: boxes and segments set by the test, change notifications on demand. */
export class FakeHost implements AnnotationHost {
  boxes: SourceBox[] = [];
  segments: SourceSegment[] = [];
  study: string | undefined = '1.2.3.source';
  opened: string[][] = [];
  private listeners = new Set<() => void>();
  readBoxes = (): SourceBox[] => this.boxes;
  readSegments = (): SourceSegment[] => this.segments;
  currentStudy = (): string | undefined => this.study;
  subscribe = (onChange: () => void): (() => void) => {
    this.listeners.add(onChange);
    return () => this.listeners.delete(onChange);
  };
  openStudies = (uids: string[]): void => {
    this.opened.push(uids);
  };
  changed(): void {
    for (const listener of this.listeners) listener();
  }
}
