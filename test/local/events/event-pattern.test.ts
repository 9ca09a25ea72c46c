import { describe, expect, it } from 'vitest';
import { EVENT_CONTRACTS } from '../../../events';
import {
  compileEventPattern,
  EventPatternError,
  matchesEventPattern,
} from '../../../infra/local/events/event-pattern';

const event = (detail: Record<string, unknown>, overrides: Record<string, unknown> = {}) => ({
  version: '0',
  id: '6a7e8feb-b491-4cf7-a9f1-bf3703467718',
  'detail-type': 'EC2 Instance State-change Notification',
  source: 'aws.ec2',
  account: '111122223333',
  time: '2017-12-22T18:43:48Z',
  region: 'us-west-1',
  resources: ['arn:aws:ec2:us-west-1:123456789012:instance/i-1234567890abcdef0'],
  detail,
  ...overrides,
});

type Case = readonly [
  name: string,
  pattern: Record<string, unknown>,
  detail: Record<string, unknown>,
  expected: boolean,
];

const cases: Case[] = [
  ['exact string', { state: ['running'] }, { state: 'running' }, true],
  ['exact string, other value', { state: ['running'] }, { state: 'stopped' }, false],
  ['values in an array OR', { state: ['pending', 'running'] }, { state: 'running' }, true],
  ['exact match is case sensitive', { state: ['running'] }, { state: 'Running' }, false],
  ['missing field', { state: ['running'] }, {}, false],
  ['number by value', { count: [5] }, { count: 5.0 }, true],
  ['number never equals its string', { count: [5] }, { count: '5' }, false],
  ['string never equals a number', { count: ['5'] }, { count: 5 }, false],
  ['boolean', { ok: [true] }, { ok: true }, true],
  ['boolean mismatch', { ok: [true] }, { ok: 'true' }, false],
  ['null', { v: [null] }, { v: null }, true],
  ['null is not missing', { v: [null] }, {}, false],
  ['empty string', { v: [''] }, { v: '' }, true],
  ['event array: any element matches', { tags: ['b'] }, { tags: ['a', 'b'] }, true],
  ['event array: no element matches', { tags: ['c'] }, { tags: ['a', 'b'] }, false],
  ['nested object', { a: { b: ['x'] } }, { a: { b: 'x' } }, true],
  ['nested object missing', { a: { b: ['x'] } }, { a: 'x' }, false],
  [
    'array of objects: one element matches',
    { a: { b: ['x'] } },
    { a: [{ b: 'y' }, { b: 'x' }] },
    true,
  ],
  ['fields AND', { a: ['1'], b: ['2'] }, { a: '1', b: '3' }, false],
  ['prefix', { time: [{ prefix: '2017-10-02' }] }, { time: '2017-10-02T18:43:48Z' }, true],
  ['prefix miss', { time: [{ prefix: '2017-10-02' }] }, { time: '2017-10-03T00:00:00Z' }, false],
  ['prefix ignores numbers', { v: [{ prefix: '1' }] }, { v: 12 }, false],
  [
    'prefix equals-ignore-case',
    { s: [{ prefix: { 'equals-ignore-case': 'EventB' } }] },
    { s: 'eventbridge' },
    true,
  ],
  ['suffix', { f: [{ suffix: '.png' }] }, { f: 'image.png' }, true],
  ['suffix miss', { f: [{ suffix: '.png' }] }, { f: 'image.PNG' }, false],
  [
    'suffix equals-ignore-case',
    { f: [{ suffix: { 'equals-ignore-case': '.png' } }] },
    { f: 'image.PNG' },
    true,
  ],
  ['equals-ignore-case', { name: [{ 'equals-ignore-case': 'alice' }] }, { name: 'ALICE' }, true],
  [
    'equals-ignore-case miss',
    { name: [{ 'equals-ignore-case': 'alice' }] },
    { name: 'bob' },
    false,
  ],
  [
    'anything-but string',
    { state: [{ 'anything-but': 'initializing' }] },
    { state: 'running' },
    true,
  ],
  [
    'anything-but string, same',
    { state: [{ 'anything-but': 'initializing' }] },
    { state: 'initializing' },
    false,
  ],
  ['anything-but needs the field', { state: [{ 'anything-but': 'initializing' }] }, {}, false],
  ['anything-but number', { x: [{ 'anything-but': 123 }] }, { x: 456 }, true],
  ['anything-but number, same', { x: [{ 'anything-but': 123 }] }, { x: 123 }, false],
  [
    'anything-but list',
    { state: [{ 'anything-but': ['stopped', 'overloaded'] }] },
    { state: 'stopped' },
    false,
  ],
  [
    'anything-but list, other',
    { state: [{ 'anything-but': ['stopped', 'overloaded'] }] },
    { state: 'running' },
    true,
  ],
  [
    'anything-but prefix',
    { state: [{ 'anything-but': { prefix: 'init' } }] },
    { state: 'initializing' },
    false,
  ],
  [
    'anything-but prefix, other',
    { state: [{ 'anything-but': { prefix: 'init' } }] },
    { state: 'running' },
    true,
  ],
  ['anything-but suffix', { f: [{ 'anything-but': { suffix: '.txt' } }] }, { f: 'a.txt' }, false],
  [
    'anything-but suffix, other',
    { f: [{ 'anything-but': { suffix: '.txt' } }] },
    { f: 'a.png' },
    true,
  ],
  [
    'anything-but equals-ignore-case',
    { s: [{ 'anything-but': { 'equals-ignore-case': 'X' } }] },
    { s: 'x' },
    false,
  ],
  [
    'anything-but equals-ignore-case list',
    { s: [{ 'anything-but': { 'equals-ignore-case': ['a', 'b'] } }] },
    { s: 'C' },
    true,
  ],
  [
    'anything-but wildcard',
    { p: [{ 'anything-but': { wildcard: '*/lib/*' } }] },
    { p: '/usr/lib/x' },
    false,
  ],
  [
    'anything-but wildcard, other',
    { p: [{ 'anything-but': { wildcard: '*/lib/*' } }] },
    { p: '/usr/bin/x' },
    true,
  ],
  ['numeric range', { n: [{ numeric: ['>', 0, '<=', 5] }] }, { n: 5 }, true],
  ['numeric range, above', { n: [{ numeric: ['>', 0, '<=', 5] }] }, { n: 5.5 }, false],
  [
    'numeric range, lower bound exclusive',
    { n: [{ numeric: ['>', 0, '<=', 5] }] },
    { n: 0 },
    false,
  ],
  ['numeric equals', { n: [{ numeric: ['=', 3.0e2] }] }, { n: 300 }, true],
  ['numeric >=', { n: [{ numeric: ['>=', 10] }] }, { n: 10 }, true],
  ['numeric <', { n: [{ numeric: ['<', 10] }] }, { n: 10 }, false],
  ['numeric ignores strings', { n: [{ numeric: ['>', 0] }] }, { n: '5' }, false],
  ['exists true', { c: [{ exists: true }] }, { c: 'x' }, true],
  ['exists true, missing', { c: [{ exists: true }] }, {}, false],
  ['exists true, null is present', { c: [{ exists: true }] }, { c: null }, true],
  [
    'exists true on an object field (not a leaf)',
    { c: [{ exists: true }] },
    { c: { d: 1 } },
    false,
  ],
  ['exists false', { c: [{ exists: false }] }, {}, true],
  ['exists false, present', { c: [{ exists: false }] }, { c: 'x' }, false],
  [
    'exists false on a nested leaf whose parent is missing',
    { m: { v: [{ exists: false }] } },
    {},
    true,
  ],
  [
    'exists false on a nested leaf whose parent is a scalar',
    { m: { v: [{ exists: false }] } },
    { m: 'x' },
    true,
  ],
  [
    'exists false on a nested leaf that is present',
    { m: { v: [{ exists: false }] } },
    { m: { v: 1 } },
    false,
  ],
  ['a nested value whose parent is missing', { m: { v: [1] } }, {}, false],
  [
    'a nested anything-but whose parent is missing',
    { m: { v: [{ 'anything-but': [1] }] } },
    {},
    false,
  ],
  ['prefix "" takes any string', { v: [{ prefix: '' }] }, { v: '' }, true],
  ['prefix "" ignores numbers', { v: [{ prefix: '' }] }, { v: 1 }, false],
  ['null matches null', { v: [null] }, { v: null }, true],
  ['null is not a missing field', { v: [null] }, {}, false],
  ['true matches a boolean, not a string', { v: [true] }, { v: 'true' }, false],
  [
    'numeric ranges around a value',
    { v: [{ numeric: ['<', 1] }, { numeric: ['>', 1] }] },
    { v: 1 },
    false,
  ],
  [
    'numeric ranges around a value, another',
    { v: [{ numeric: ['<', 1] }, { numeric: ['>', 1] }] },
    { v: 2 },
    true,
  ],
  ['wildcard', { f: [{ wildcard: 'dir/*.png' }] }, { f: 'dir/a/b.png' }, true],
  ['wildcard miss', { f: [{ wildcard: 'dir/*.png' }] }, { f: 'other/a.png' }, false],
  ['wildcard escaped star', { f: [{ wildcard: 'a\\*b' }] }, { f: 'a*b' }, true],
  ['wildcard escaped star is literal', { f: [{ wildcard: 'a\\*b' }] }, { f: 'axxb' }, false],
  ['cidr IPv4', { ip: [{ cidr: '10.0.0.0/24' }] }, { ip: '10.0.0.255' }, true],
  ['cidr IPv4 outside', { ip: [{ cidr: '10.0.0.0/24' }] }, { ip: '10.0.1.0' }, false],
  ['cidr IPv6', { ip: [{ cidr: '2001:db8::/32' }] }, { ip: '2001:db8::1' }, true],
  ['cidr not an address', { ip: [{ cidr: '10.0.0.0/24' }] }, { ip: 'host' }, false],
  ['$or first branch', { $or: [{ a: ['1'] }, { b: ['2'] }] }, { a: '1' }, true],
  ['$or second branch', { $or: [{ a: ['1'] }, { b: ['2'] }] }, { b: '2' }, true],
  ['$or neither', { $or: [{ a: ['1'] }, { b: ['2'] }] }, { a: '2', b: '1' }, false],
  [
    '$or with a sibling field (AND)',
    { c: ['3'], $or: [{ a: ['1'] }, { b: ['2'] }] },
    { a: '1', c: '4' },
    false,
  ],
  ['mixed values and operators OR', { s: ['a', { prefix: 'zz' }] }, { s: 'zzz' }, true],
];

describe('compileEventPattern', () => {
  it.each(cases)('should decide %s', (_name, detailPattern, detail, expected) => {
    expect(matchesEventPattern({ detail: detailPattern }, event(detail))).toBe(expected);
  });

  it('should match envelope fields and array resources', () => {
    const matcher = compileEventPattern({
      source: ['aws.ec2'],
      resources: [{ prefix: 'arn:aws:ec2:us-west-1:' }],
      region: [{ 'anything-but': 'us-east-1' }],
    });
    expect(matcher(event({}))).toBe(true);
    expect(matcher(event({}, { source: 'aws.s3' }))).toBe(false);
  });

  it('should accept a pattern as JSON text, as PutRule carries it', () => {
    expect(
      matchesEventPattern('{"detail":{"state":["running"]}}', event({ state: 'running' })),
    ).toBe(true);
  });

  it('should never match something that is not an object', () => {
    expect(compileEventPattern({ source: ['x'] })(null)).toBe(false);
  });

  it.each([
    ['an unknown operator', { s: [{ contains: 'x' }] }, /unsupported operator "contains"/],
    ['two operators in one object', { s: [{ prefix: 'a', suffix: 'b' }] }, /exactly one operator/],
    ['a scalar value', { s: 'x' }, /must be an array or an object/],
    ['an empty array', { s: [] }, /empty arrays/],
    ['a nested array', { s: [['x']] }, /nested arrays/],
    ['a prefix that is not a string', { s: [{ prefix: 1 }] }, /expected a string/],
    [
      'an unknown operator nested in prefix',
      { s: [{ prefix: { wildcard: 'x' } }] },
      /unsupported operator "wildcard"/,
    ],
    [
      'an unknown operator nested in anything-but',
      { s: [{ 'anything-but': { cidr: '10.0.0.0/8' } }] },
      /unsupported operator "cidr" inside anything-but/,
    ],
    [
      'a mixed anything-but list',
      { s: [{ 'anything-but': ['a', 1] }] },
      /only strings or only numbers/,
    ],
    [
      'a bad numeric comparator',
      { n: [{ numeric: ['!=', 1] }] },
      /unsupported numeric comparator "!="/,
    ],
    ['a numeric bound that is a string', { n: [{ numeric: ['>', '1'] }] }, /must be a number/],
    ['two lower bounds', { n: [{ numeric: ['>', 1, '>', 2] }] }, /lower bound/],
    ['an empty numeric range', { n: [{ numeric: ['>', 5, '<', 1] }] }, /empty/],
    ['exists with a string', { s: [{ exists: 'yes' }] }, /exists takes true or false/],
    ['consecutive wildcards', { s: [{ wildcard: 'a**b' }] }, /consecutive wildcard/],
    ['a bad CIDR', { s: [{ cidr: '10.0.0.0/33' }] }, /not a CIDR block/],
    ['$or with one branch', { $or: [{ a: ['1'] }] }, /at least two/],
    ['an empty pattern', {}, /at least one field/],
  ])('should reject %s loudly at compile time', (_name, detailPattern, message) => {
    const compile = () =>
      compileEventPattern(Object.keys(detailPattern).length ? { detail: detailPattern } : {});
    expect(compile).toThrow(EventPatternError);
    expect(compile).toThrow(message);
  });

  it('should name the offending field in the error', () => {
    expect(() => compileEventPattern({ detail: { state: [{ regex: 'x' }] } })).toThrow(
      /^detail\.state\[0\]: /,
    );
  });

  it('should reject invalid JSON text', () => {
    expect(() => compileEventPattern('{not json')).toThrow(EventPatternError);
  });
});

describe.each(EVENT_CONTRACTS.map((contract) => [contract.detailType, contract] as const))(
  'the %s contract pattern',
  (_name, contract) => {
    const source = contract.sources === 'any' ? 'some.other.system' : contract.sources[0];
    const envelope = (detailType: string, detail: unknown) =>
      event(detail as Record<string, unknown>, { source, 'detail-type': detailType });

    it('should match every example of its own contract', () => {
      const matcher = compileEventPattern(contract.pattern);
      for (const example of contract.examples) {
        expect(matcher(envelope(contract.detailType, example))).toBe(true);
      }
    });

    it("should match no other contract's examples", () => {
      const matcher = compileEventPattern(contract.pattern);
      for (const other of EVENT_CONTRACTS.filter((candidate) => candidate !== contract)) {
        const otherSource = other.sources === 'any' ? 'some.other.system' : other.sources[0];
        for (const example of other.examples) {
          const otherEvent = event(example as Record<string, unknown>, {
            source: otherSource,
            'detail-type': other.detailType,
          });
          expect(matcher(otherEvent)).toBe(false);
        }
      }
    });

    it('should not match another major version of its own events', () => {
      const matcher = compileEventPattern(contract.pattern);
      const [example] = contract.examples as Array<{ metadata: Record<string, unknown> }>;
      const nextMajor = {
        ...example,
        metadata: { ...example?.metadata, schemaVersion: contract.version + 1 },
      };
      expect(matcher(envelope(contract.detailType, nextMajor))).toBe(false);
    });
  },
);
