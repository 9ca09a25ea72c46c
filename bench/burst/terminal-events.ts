/** The part of a bus event the burst looks at. */
export interface BusEvent {
  readonly 'detail-type': string;
  readonly detail?: {
    readonly metadata?: { readonly requestId?: string };
    readonly data?: { readonly instanceName?: string };
  };
}

const TERMINAL = new Set(['AmiAvailable', 'AmiFailed']);

/** Terminal events (AmiAvailable or AmiFailed) per `requestId|instanceName`, with their types. */
export function terminalEvents(events: readonly BusEvent[]): Map<string, string[]> {
  const byKey = new Map<string, string[]>();
  for (const event of events) {
    if (!TERMINAL.has(event['detail-type'])) continue;
    const key = terminalKey(
      event.detail?.metadata?.requestId ?? '',
      event.detail?.data?.instanceName ?? '',
    );
    byKey.set(key, [...(byKey.get(key) ?? []), event['detail-type']]);
  }
  return byKey;
}

export function terminalKey(requestId: string, instanceName: string): string {
  return `${requestId}|${instanceName}`;
}
