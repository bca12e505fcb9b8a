/**
 * A clock that moves only when a test says so, for the domain's `clock` option.
 *
 * It starts in the past on purpose: the dialler paces calls by the wall clock and dials an outbox
 * entry at once only when its `notBefore`, stamped by this clock, is not in the future.
 */
export class ManualClock {
  private time: number;

  constructor(start = new Date('2024-03-01T12:00:00.000Z')) {
    this.time = start.getTime();
  }

  /** Bound, so it can be handed over as `clock: clock.now`. */
  readonly now = (): Date => new Date(this.time);

  advance(ms: number): Date {
    this.time += ms;
    return this.now();
  }
}
