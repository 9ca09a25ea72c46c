import { describeIssues } from './issues';
import * as z from './zod';

/** Every `source` this system publishes with; outside systems may use any source for AmiRequested. */
export const SOURCES = {
  api: 'ami-lifecycle.api',
  creator: 'ami-lifecycle.creator',
  watcher: 'ami-lifecycle.watcher',
  janitor: 'ami-lifecycle.janitor',
} as const;
export type Source = (typeof SOURCES)[keyof typeof SOURCES];

/** An EventBridge event pattern, as CloudFormation and the local cloud take it. */
export type EventPattern = Record<string, unknown>;

export interface EventContract<Detail extends z.ZodMiniType = z.ZodMiniType> {
  /** The EventBridge `detail-type`. */
  readonly detailType: string;
  /** Major version, carried in `detail.metadata.schemaVersion`; rules match it. */
  readonly version: number;
  /** Who may publish it: a list of our sources, or `any` for public input. */
  readonly sources: readonly Source[] | 'any';
  readonly description: string;
  /** Schema of `detail` (`{ metadata, data }`). */
  readonly detail: Detail;
  /** Valid details; contract tests parse each one and hand them to every consumer. */
  readonly examples: readonly z.input<Detail>[];
  /** The rule pattern that selects this event and major version. */
  readonly pattern: EventPattern;
}

export function defineEvent<Detail extends z.ZodMiniType>(
  contract: Omit<EventContract<Detail>, 'pattern'>,
): EventContract<Detail> {
  const pattern: EventPattern = {
    'detail-type': [contract.detailType],
    detail: { metadata: { schemaVersion: [contract.version] } },
  };
  if (contract.sources !== 'any') pattern.source = [...contract.sources];
  return { ...contract, pattern };
}

export class InvalidEventError extends Error {
  constructor(
    message: string,
    readonly detailType: string | undefined,
    options?: ErrorOptions,
  ) {
    super(message, options);
    this.name = 'InvalidEventError';
  }
}

/** The parts of the EventBridge envelope the services read. */
const envelopeSchema = z.object({
  id: z.string(),
  source: z.string(),
  'detail-type': z.string(),
  time: z.string(),
  detail: z.unknown(),
});

export interface ParsedEvent<Detail> {
  readonly id: string;
  readonly source: string;
  readonly time: string;
  readonly detail: Detail;
}

/**
 * Validates the EventBridge envelope and the detail in one pass. Throws `InvalidEventError`
 * naming every offending field, so the platform's retries and dead-letter queue see the failure.
 */
export function parseEvent<Detail extends z.ZodMiniType>(
  contract: EventContract<Detail>,
  event: unknown,
): ParsedEvent<z.output<Detail>> {
  const envelope = envelopeSchema.safeParse(event);
  if (!envelope.success) {
    throw new InvalidEventError(
      `not an EventBridge event: ${describeIssues(envelope.error)}`,
      undefined,
    );
  }
  const detailType = envelope.data['detail-type'];
  if (detailType !== contract.detailType) {
    throw new InvalidEventError(
      `expected detail-type ${contract.detailType}, got ${detailType}`,
      detailType,
    );
  }
  const detail = contract.detail.safeParse(envelope.data.detail);
  if (!detail.success) {
    throw new InvalidEventError(
      `invalid ${detailType} v${contract.version}: ${describeIssues(detail.error).replace(/(^|; )/g, '$1detail.')}`,
      detailType,
    );
  }
  return {
    id: envelope.data.id,
    source: envelope.data.source,
    time: envelope.data.time,
    detail: detail.data,
  };
}

/** Parses a detail on its own (e.g. before publishing), throwing `InvalidEventError`. */
export function parseDetail<Detail extends z.ZodMiniType>(
  contract: EventContract<Detail>,
  detail: unknown,
): z.output<Detail> {
  const result = contract.detail.safeParse(detail);
  if (!result.success) {
    throw new InvalidEventError(
      `invalid ${contract.detailType} v${contract.version}: ${describeIssues(result.error)}`,
      contract.detailType,
    );
  }
  return result.data;
}
