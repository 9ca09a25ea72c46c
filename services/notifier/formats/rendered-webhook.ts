/** What a format makes of an event: the HTTP headers and body to POST. */
export interface RenderedWebhook {
  readonly headers: Readonly<Record<string, string>>;
  readonly body: string;
}

export const JSON_HEADERS = { 'Content-Type': 'application/json' } as const;
