import {
  ProviderError,
  type CreateProviderCall,
  type DialledCall,
  type ProviderCallStatus,
  type VoiceGateway,
} from '../../src/calls/voice-gateway.js';

export type GatewayRequestKind =
  | 'createCall'
  | 'answer'
  | 'hangUp'
  | 'playAudio'
  | 'stopAudio'
  | 'getCallStatus'
  | 'findCallByTag';

/** A request about one call that carries nothing but the provider's id of it. */
type OnCall<K extends GatewayRequestKind> = { kind: K; providerCallId: string };

/** One request as the gateway received it; `callId` names the {@link VoiceGateway.forCall} view it came through. */
export type GatewayRequest = { callId?: string } & (
  | { kind: 'createCall'; call: CreateProviderCall }
  | { kind: 'playAudio'; providerCallId: string; audio: { fileUrl: string; loop: boolean; tag: string } }
  | OnCall<'answer'>
  | OnCall<'hangUp'>
  | OnCall<'stopAudio'>
  | OnCall<'getCallStatus'>
  | { kind: 'findCallByTag'; tag: string; dialled: DialledCall }
);

/** How a scripted request fails. */
export interface ScriptedFailure {
  /** The provider's error code (`call-rate-limit`, `call-audio-invalid-state`, …) or `timeout`, `network-error`. */
  code: string;
  status?: number;
  message?: string;
  /** What the error tells the domain: no answer came back after the request was sent. */
  mayHaveTakenEffect?: boolean;
  /** `createCall` only: the provider did place the call, although the request failed. */
  tookEffect?: boolean;
}

/** What a test may say about a call the provider knows; the rest keeps its value. */
export type ScriptedCallStatus = Partial<Omit<ProviderCallStatus, 'providerCallId'>>;

interface ProviderCall {
  tag: string;
  to: string;
  status: ProviderCallStatus;
}

/** State shared by the gateway and every view `forCall` returns. */
class Script {
  readonly requests: GatewayRequest[] = [];
  readonly failures = new Map<GatewayRequestKind, ScriptedFailure[]>();
  readonly holds = new Map<GatewayRequestKind, { gate: Promise<void>; remaining: number }>();
  readonly calls = new Map<string, ProviderCall>();
  nextId = 1;
}

/**
 * A {@link VoiceGateway} that plays the provider in tests of the call domain: it records every
 * request in the order it arrives, places calls under fresh provider ids, and answers the way the
 * test scripted — a failure for the next requests of a kind, a request held until released, the
 * provider's own view of a call.
 */
export class ScriptedVoiceGateway implements VoiceGateway {
  constructor(
    private readonly script: Script = new Script(),
    private readonly callId?: string,
  ) {}

  /** Every request received so far, through any view, oldest first. */
  get requests(): readonly GatewayRequest[] {
    return this.script.requests;
  }

  requestsOf<K extends GatewayRequestKind>(kind: K): Array<Extract<GatewayRequest, { kind: K }>> {
    return this.script.requests.filter((r): r is Extract<GatewayRequest, { kind: K }> => r.kind === kind);
  }

  /** The tags of the files asked to play, in order: a file twice here was played twice. */
  playedTags(): string[] {
    return this.requestsOf('playAudio').map((r) => r.audio.tag);
  }

  /** Fails the next `times` requests of `kind` with a {@link ProviderError}. */
  fail(kind: GatewayRequestKind, failure: ScriptedFailure, times = 1): void {
    const queue = this.script.failures.get(kind) ?? [];
    for (let i = 0; i < times; i += 1) queue.push(failure);
    this.script.failures.set(kind, queue);
  }

  /**
   * Holds the next `times` requests of `kind` (all of them by default) until the returned function
   * is called: recorded, not answered yet. A slow provider, a request in flight — or, never
   * released, an instance that dies mid-send.
   */
  hold(kind: GatewayRequestKind, times = Infinity): () => void {
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    const hold = { gate, remaining: times };
    this.script.holds.set(kind, hold);
    return () => {
      if (this.script.holds.get(kind) === hold) this.script.holds.delete(kind);
      release();
    };
  }

  /** Sets the provider's own view of a call (`getCallStatus`, `findCallByTag`); a new call unless it exists. */
  setStatus(providerCallId: string, status: ScriptedCallStatus, tag = '', to = ''): void {
    const call = this.script.calls.get(providerCallId) ?? { tag, to, status: ringing(providerCallId) };
    call.status = { ...call.status, ...status };
    this.script.calls.set(providerCallId, call);
  }

  /** The provider id of the call placed with our `tag` (our call id), once it was placed. */
  providerCallIdOf(tag: string): string | undefined {
    return [...this.script.calls.entries()].find(([, call]) => call.tag === tag)?.[0];
  }

  forCall(callId: string): VoiceGateway {
    return new ScriptedVoiceGateway(this.script, callId);
  }

  createCall(call: CreateProviderCall): Promise<{ providerCallId: string }> {
    return this.receive({ kind: 'createCall', call }, () => this.place(call), (failure) => {
      if (failure.tookEffect) this.place(call);
    });
  }

  answer(providerCallId: string): Promise<void> {
    return this.receive({ kind: 'answer', providerCallId }, () => undefined);
  }

  hangUp(providerCallId: string): Promise<void> {
    return this.receive({ kind: 'hangUp', providerCallId }, () => undefined);
  }

  playAudio(providerCallId: string, audio: { fileUrl: string; loop: boolean; tag: string }): Promise<void> {
    return this.receive({ kind: 'playAudio', providerCallId, audio: { ...audio } }, () => undefined);
  }

  stopAudio(providerCallId: string): Promise<void> {
    return this.receive({ kind: 'stopAudio', providerCallId }, () => undefined);
  }

  getCallStatus(providerCallId: string): Promise<ProviderCallStatus | null> {
    return this.receive({ kind: 'getCallStatus', providerCallId }, () => this.statusOf(this.script.calls.get(providerCallId)));
  }

  /** Ring timeout when a create names none (Bandwidth v2's). */
  readonly defaultCallTimeoutSeconds = 30;
  /** Like v1: the test sends the provider's `started` events itself. */
  readonly reportsPlaybackStart = true;

  findCallByTag(tag: string, dialled: DialledCall): Promise<ProviderCallStatus | null> {
    return this.receive({ kind: 'findCallByTag', tag, dialled }, () =>
      this.statusOf([...this.script.calls.values()].find((call) => call.tag === tag)),
    );
  }

  private async receive<T>(
    request: GatewayRequest,
    answer: () => T,
    onFailure?: (failure: ScriptedFailure) => void,
  ): Promise<T> {
    this.script.requests.push({ ...request, callId: this.callId });
    // Decided on arrival, so "the next N requests" means the next N to arrive, held or not.
    const failure = this.script.failures.get(request.kind)?.shift();
    const hold = this.script.holds.get(request.kind);
    if (hold && hold.remaining > 0) {
      hold.remaining -= 1;
      await hold.gate;
    } else {
      await Promise.resolve();
    }
    if (failure) {
      onFailure?.(failure);
      const message = failure.message ?? `scripted ${failure.code}`;
      throw new ProviderError(message, failure.code, failure.status, undefined, failure.mayHaveTakenEffect ?? false);
    }
    return answer();
  }

  private place(call: CreateProviderCall): { providerCallId: string } {
    const providerCallId = `c-scripted-${this.script.nextId++}`;
    this.script.calls.set(providerCallId, { tag: call.tag, to: call.to, status: ringing(providerCallId) });
    return { providerCallId };
  }

  private statusOf(call: ProviderCall | undefined): ProviderCallStatus | null {
    return call ? structuredClone(call.status) : null;
  }
}

function ringing(providerCallId: string): ProviderCallStatus {
  return { providerCallId, state: 'ringing', answeredAt: null, endedAt: null, hangupCause: null, raw: { id: providerCallId } };
}
