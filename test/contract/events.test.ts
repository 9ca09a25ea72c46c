import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  AmiAvailableV1,
  AmiRequestedV1,
  EVENT_CONTRACTS,
  InvalidEventError,
  MAX_INSTANCE_NAME_LENGTH,
  parseDetail,
  parseEvent,
  schemaFileName,
} from '../../events';
import { renderJsonSchema } from '../../events/json-schema';

const envelope = (detailType: string, detail: unknown) => ({
  version: '0',
  id: '6a7e8feb-b491-4cf7-a9f1-bf3703467718',
  'detail-type': detailType,
  source: 'ami-lifecycle.test',
  account: '111122223333',
  time: '2025-06-05T12:00:00Z',
  region: 'ap-northeast-2',
  resources: [],
  detail,
});

describe.each(EVENT_CONTRACTS.map((contract) => [contract.detailType, contract] as const))(
  '%s contract',
  (_name, contract) => {
    it('should parse every example, inside an EventBridge envelope too', () => {
      expect(contract.examples.length).toBeGreaterThan(0);
      for (const example of contract.examples) {
        expect(() => parseDetail(contract, example)).not.toThrow();
        const parsed = parseEvent(contract, envelope(contract.detailType, example));
        expect(parsed.detail).toEqual(parseDetail(contract, example));
      }
    });

    it('should match the checked-in JSON Schema (run `npm run schemas` after a change)', () => {
      const checkedIn = readFileSync(
        join(import.meta.dirname, '../../events/schemas', schemaFileName(contract)),
        'utf8',
      );
      expect(checkedIn).toBe(renderJsonSchema(contract));
    });

    it('should select its detail-type and major version in its rule pattern', () => {
      expect(contract.pattern['detail-type']).toEqual([contract.detailType]);
      expect(contract.pattern.detail).toEqual({
        metadata: { schemaVersion: [contract.version] },
      });
    });

    it('should reject a detail of another major version, naming schemaVersion', () => {
      const [example] = contract.examples as { metadata: object }[];
      const wrongMajor = { ...example, metadata: { ...example?.metadata, schemaVersion: 2 } };
      expect(() => parseDetail(contract, wrongMajor)).toThrow(/metadata\.schemaVersion/);
    });

    it('should ignore unknown fields (additive changes keep the major)', () => {
      const [example] = contract.examples as { data: object }[];
      const extended = { ...example, data: { ...example?.data, addedLater: 'x' } };
      const parsed = parseDetail(contract, extended) as { data: object };
      expect(parsed.data).not.toHaveProperty('addedLater');
    });
  },
);

describe('AmiRequested v1', () => {
  const valid = AmiRequestedV1.examples[0];

  it('should accept events from any source (public input)', () => {
    expect(AmiRequestedV1.pattern).not.toHaveProperty('source');
  });

  it.each([
    [{ ...valid, data: { instanceNames: [] } }, /data\.instanceNames: must list at least one/],
    [{ ...valid, data: { instanceNames: ['api', 'api'] } }, /data\.instanceNames\[1\]: repeats/],
    [{ ...valid, data: { instanceNames: ['bad:name'] } }, /data\.instanceNames\[0\]: may only/],
    [
      { ...valid, data: { instanceNames: ['x'.repeat(MAX_INSTANCE_NAME_LENGTH + 1)] } },
      /data\.instanceNames\[0\]: must be at most 104 characters/,
    ],
    [
      { ...valid, metadata: { schemaVersion: 1, requestId: 'has space' } },
      /metadata\.requestId: must be 1-64 characters/,
    ],
    [{ metadata: valid?.metadata }, /data: /],
  ])('should reject an invalid detail with a message naming the field (%#)', (detail, message) => {
    expect(() => parseDetail(AmiRequestedV1, detail)).toThrow(message);
  });

  it('should accept the longest instance name whose AMI name still fits in 128 characters', () => {
    const name = 'x'.repeat(MAX_INSTANCE_NAME_LENGTH);
    expect(`${name}-Deploy-2025-06-05_12_00`).toHaveLength(128);
    expect(() =>
      parseDetail(AmiRequestedV1, { ...valid, data: { instanceNames: [name] } }),
    ).not.toThrow();
  });
});

describe('parseEvent', () => {
  it('should name the detail field that is wrong', () => {
    const bad = envelope('AmiAvailable', {
      ...AmiAvailableV1.examples[0],
      data: { ...AmiAvailableV1.examples[0]?.data, imageId: 'not-an-ami' },
    });
    expect(() => parseEvent(AmiAvailableV1, bad)).toThrow(/detail\.data\.imageId/);
  });

  it('should reject an event of another detail-type', () => {
    const other = envelope('AmiRequested', AmiRequestedV1.examples[0]);
    expect(() => parseEvent(AmiAvailableV1, other)).toThrow(InvalidEventError);
  });

  it('should reject something that is not an EventBridge event', () => {
    expect(() => parseEvent(AmiAvailableV1, { hello: 'world' })).toThrow(
      /not an EventBridge event/,
    );
  });
});
