import { ChexgenError } from '../errors.js';

/**
 * A cap on open server-sent event streams (CHEXGEN_MAX_EVENT_STREAMS), shared by every events route: each open
 * stream holds a socket, a timer and a subscription for as long as the client keeps it.
 */
export class EventStreamSlots {
  private open = 0;

  constructor(private readonly max: number) {}

  /**
   * Takes a slot for a new stream; returns the function that gives it back (safe to call more than once).
   * @throws ChexgenError TOO_MANY_REQUESTS (429) when every slot is taken.
   */
  acquire(): () => void {
    if (this.open >= this.max) {
      throw new ChexgenError('TOO_MANY_REQUESTS', `${this.open} event streams are open, the most this server keeps (CHEXGEN_MAX_EVENT_STREAMS); close one or poll GET instead`, { status: 429 });
    }
    this.open++;
    let released = false;
    return () => {
      if (released) return;
      released = true;
      this.open--;
    };
  }
}
