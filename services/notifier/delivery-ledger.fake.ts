// Test support: the delivery ledger in memory, with the DynamoDB ledger's rules.
import type { DeliveryLedger, TargetRecord } from './delivery-ledger';

export function inMemoryDeliveryLedger(): DeliveryLedger {
  const outcomes = new Map<string, Map<string, TargetRecord>>();
  const of = (eventId: string) => {
    let found = outcomes.get(eventId);
    if (found === undefined) {
      found = new Map();
      outcomes.set(eventId, found);
    }
    return found;
  };
  return {
    recorded: async (eventId) => new Map(of(eventId)),
    record: async (eventId, target, record) => {
      if (of(eventId).get(target)?.outcome !== 'delivered') of(eventId).set(target, record);
    },
    forgetRejections: async (eventId, targets) => {
      for (const target of targets) {
        if (of(eventId).get(target)?.outcome === 'rejected') of(eventId).delete(target);
      }
    },
  };
}
