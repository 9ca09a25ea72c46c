import { describe, expect, it } from 'vitest';
import { AmiRequestedV1 } from '../../../events/ami-requested.v1';
import { SUBSCRIPTIONS } from '../../../events/catalog';
import {
  supportedMajorsByDetailType,
  unroutableCases,
} from '../../../infra/constructs/unroutable-events';
import { compileEventPattern } from '../../../infra/local/events/event-pattern';

function event(detail: Record<string, unknown>, detailType = 'AmiRequested') {
  return {
    version: '0',
    id: 'e-1',
    'detail-type': detailType,
    source: 'some.system',
    account: '000000000000',
    time: '2025-06-05T12:00:00Z',
    region: 'us-east-1',
    resources: [],
    detail,
  };
}

/** Which of the versioned rule and the refusal rules take an event, by name. */
function takers(detail: Record<string, unknown>, majors: readonly number[] = [1]): string[] {
  const rules = [
    { name: 'versioned', pattern: AmiRequestedV1.pattern },
    ...unroutableCases('AmiRequested', majors).map((refused) => ({
      name: refused.name,
      pattern: refused.pattern,
    })),
  ];
  return rules
    .filter((rule) => compileEventPattern(rule.pattern)(event(detail)))
    .map((rule) => rule.name);
}

const data = { instanceNames: ['service-api'] };

describe('the rules for events no versioned rule accepts', () => {
  it.each([
    ['a v1 event', { metadata: { schemaVersion: 1, requestId: 'r' }, data }, 'versioned'],
    ['no metadata', { data }, 'SchemaVersionMissing'],
    [
      'metadata without schemaVersion',
      { metadata: { requestId: 'r' }, data },
      'SchemaVersionMissing',
    ],
    ['metadata that is not an object', { metadata: 'v1', data }, 'SchemaVersionMissing'],
    ['schemaVersion 2', { metadata: { schemaVersion: 2 }, data }, 'SchemaVersionUnsupported'],
    ['schemaVersion 0', { metadata: { schemaVersion: 0 }, data }, 'SchemaVersionUnsupported'],
    ['schemaVersion 1.5', { metadata: { schemaVersion: 1.5 }, data }, 'SchemaVersionUnsupported'],
    ['schemaVersion "1"', { metadata: { schemaVersion: '1' }, data }, 'SchemaVersionNotAnInteger'],
    ['schemaVersion ""', { metadata: { schemaVersion: '' }, data }, 'SchemaVersionNotAnInteger'],
    [
      'schemaVersion true',
      { metadata: { schemaVersion: true }, data },
      'SchemaVersionNotAnInteger',
    ],
    [
      'schemaVersion null',
      { metadata: { schemaVersion: null }, data },
      'SchemaVersionNotAnInteger',
    ],
  ])('should hand %s to exactly one rule: %s', (_, detail, taker) => {
    expect(takers(detail)).toEqual([taker]);
  });

  it('should leave every supported major to the versioned rules when there are several', () => {
    // Prepare
    const majors = [1, 3];

    // Act
    const refused = (version: number) =>
      unroutableCases('AmiRequested', majors)
        .filter((rule) =>
          compileEventPattern(rule.pattern)(event({ metadata: { schemaVersion: version }, data })),
        )
        .map((rule) => rule.name);

    // Assess
    expect(refused(1)).toEqual([]);
    expect(refused(3)).toEqual([]);
    expect(refused(2)).toEqual(['SchemaVersionUnsupported']);
    expect(refused(4)).toEqual(['SchemaVersionUnsupported']);
  });

  it('should not take events of another detail-type', () => {
    const matcher = compileEventPattern(unroutableCases('AmiRequested', [1])[0]?.pattern);
    expect(matcher(event({ data }, 'AmiPurgeRequested'))).toBe(false);
  });

  it('should cover every subscribed detail-type with the majors its subscriptions accept', () => {
    expect(Object.fromEntries(supportedMajorsByDetailType(SUBSCRIPTIONS))).toEqual({
      AmiRequested: [1],
      AmiAvailable: [1],
      AmiFailed: [1],
      AmiPurged: [1],
      AmiPurgeRequested: [1],
    });
  });
});
