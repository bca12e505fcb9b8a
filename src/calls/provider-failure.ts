import { ProviderError } from './voice-gateway.js';

/** A provider's refusal as the call's log keeps it. */
export function providerErrorPayload(error: ProviderError): Record<string, unknown> {
  return { code: error.code, status: error.status ?? null, message: error.message };
}

/** An error as a log line carries it: the provider's code and status when it has them, never a stack. */
export function describeError(error: unknown): Record<string, unknown> {
  if (error instanceof ProviderError) return { code: error.code, status: error.status, message: error.message };
  return { message: error instanceof Error ? error.message : String(error) };
}
