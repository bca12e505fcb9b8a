import type { CallTimers } from './call-timers.js';
import type { AudioOverlap } from './settings.js';

/** One file or sentence requested through `POST …/calls/{id}/audio`. */
export interface AudioItem {
  /** The file URL or the sentence. */
  source: string;
  /** The audio request's tag, echoed on its `playback`/`speak` events. */
  tag?: string;
  /** Plays until stopped or the call ends, never finishing on its own. */
  loop: boolean;
  durationMs: number;
}

/** What the channel reports, so the call can log and announce it. */
export interface AudioChannelHooks {
  started(item: AudioItem): void;
  done(item: AudioItem): void;
}

/**
 * What the caller hears on one kind of audio (files or sentences): at most one item at a time,
 * plus the items waiting their turn when the overlap policy is `queue`.
 */
export class AudioChannel {
  private current?: { item: AudioItem; cancelEnd?: () => void };
  private readonly waiting: AudioItem[] = [];

  constructor(
    private readonly hooks: AudioChannelHooks,
    private readonly timers: CallTimers,
  ) {}

  get playing(): AudioItem | undefined {
    return this.current?.item;
  }

  get queued(): readonly AudioItem[] {
    return this.waiting;
  }

  play(item: AudioItem, overlap: AudioOverlap): void {
    if (!this.current) return this.start(item);
    if (overlap === 'queue') {
      this.waiting.push(item);
      return;
    }
    this.finishCurrent();
    this.start(item);
  }

  /** Stops what plays and drops what waits, as `fileUrl: ""` does; false when nothing was playing. */
  stop(): boolean {
    if (!this.current) return false;
    this.waiting.length = 0;
    this.finishCurrent();
    return true;
  }

  /** The call ended: what plays is reported done, what waits never starts. */
  silence(): void {
    this.waiting.length = 0;
    if (this.current) this.finishCurrent();
  }

  private start(item: AudioItem): void {
    const cancelEnd = item.loop ? undefined : this.timers.after(item.durationMs, () => this.finishNaturally());
    this.current = { item, cancelEnd };
    this.hooks.started(item);
  }

  private finishNaturally(): void {
    this.finishCurrent();
    const next = this.waiting.shift();
    if (next) this.start(next);
  }

  private finishCurrent(): void {
    const current = this.current;
    if (!current) return;
    this.current = undefined;
    current.cancelEnd?.();
    this.hooks.done(current.item);
  }
}
