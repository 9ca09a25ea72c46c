import { AmiAvailableV1 } from './ami-available.v1';
import { AmiCreatedV1 } from './ami-created.v1';
import { AmiFailedV1 } from './ami-failed.v1';
import { AmiPurgeRequestedV1 } from './ami-purge-requested.v1';
import { AmiPurgedV1 } from './ami-purged.v1';
import { AmiRequestedV1 } from './ami-requested.v1';
import type { EventContract } from './contract';

/** Every event contract, current majors. Infra builds rules and schema registry entries from it. */
export const EVENT_CONTRACTS: readonly EventContract[] = [
  AmiRequestedV1,
  AmiCreatedV1,
  AmiAvailableV1,
  AmiFailedV1,
  AmiPurgedV1,
  AmiPurgeRequestedV1,
];

/** Which events each event-driven service consumes; infra turns each pair into one bus rule. */
export const SUBSCRIPTIONS = {
  creator: [AmiRequestedV1],
  notifier: [AmiAvailableV1, AmiFailedV1, AmiPurgedV1],
  janitor: [AmiAvailableV1, AmiPurgeRequestedV1],
} as const satisfies Record<string, readonly EventContract[]>;

export type SubscribedService = keyof typeof SUBSCRIPTIONS;

/** The file name of a contract's checked-in JSON Schema, e.g. `AmiRequested.v1.json`. */
export function schemaFileName(contract: EventContract): string {
  return `${contract.detailType}.v${contract.version}.json`;
}
