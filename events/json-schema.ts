import type { EventContract } from './contract';
import * as z from './zod';

/**
 * Draft 4 JSON Schema of a contract's `detail`, the form the EventBridge Schema Registry takes.
 * Generated for the input side: unknown fields are allowed, as consumers ignore them.
 */
export function detailJsonSchema(contract: EventContract): Record<string, unknown> {
  const schema = z.toJSONSchema(contract.detail, { target: 'draft-4', io: 'input' });
  return {
    ...schema,
    title: `${contract.detailType} v${contract.version}`,
    description: contract.description,
  };
}

/** The text checked in under `events/schemas/`, stable for diffs. */
export function renderJsonSchema(contract: EventContract): string {
  return `${JSON.stringify(detailJsonSchema(contract), null, 2)}\n`;
}
