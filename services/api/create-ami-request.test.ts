import { describe, expect, it } from 'vitest';
import { AmiRequestedV1 } from '../../events/ami-requested.v1';
import { parseDetail } from '../../events/contract';
import { detailJsonSchema } from '../../events/json-schema';
import * as z from '../../events/zod';
import { parseCreateAmiRequest } from './create-ami-request';

const ODD_NAMES = [
  ' ',
  '   ',
  ' service-api',
  'service-api ',
  '.',
  '..',
  '...',
  '../../etc/passwd',
  'a/../b',
  'team/.',
];
const USUAL_NAMES = ['service-api', 'service api', 'v1.2_worker', '.hidden', 'a..b', 'team/api'];

const amiRequested = (instanceNames: string[]) => ({
  metadata: { schemaVersion: 1, requestId: 'release-1' },
  data: { instanceNames },
});

const namePattern = z.object({ pattern: z.optional(z.string()) });
/** Where the JSON Schema keeps an instance name's `pattern`s (one, or several under `allOf`). */
const instanceNamesJsonSchema = z.object({
  properties: z.object({
    data: z.object({
      properties: z.object({
        instanceNames: z.object({
          items: z.extend(namePattern, { allOf: z.optional(z.array(namePattern)) }),
        }),
      }),
    }),
  }),
});

/** The patterns an instance name must match in the JSON Schema other systems validate with. */
function instanceNamePatterns(): RegExp[] {
  const { items } = instanceNamesJsonSchema.parse(detailJsonSchema(AmiRequestedV1)).properties.data
    .properties.instanceNames;
  const patterns = [items.pattern, ...(items.allOf ?? []).map((part) => part.pattern)];
  return patterns.filter((pattern) => pattern !== undefined).map((source) => new RegExp(source));
}

describe('instance names: one rule for the API and the bus', () => {
  it.each(ODD_NAMES)('should refuse %j in the API body, naming the field', (name) => {
    expect(() => parseCreateAmiRequest({ instance_name_list: [name] })).toThrow(
      /^instance_name_list\[0\]: must not/,
    );
  });

  it.each(ODD_NAMES)('should refuse %j in an AmiRequested event from another system', (name) => {
    expect(() => parseDetail(AmiRequestedV1, amiRequested([name]))).toThrow(
      /data\.instanceNames\[0\]: must not/,
    );
  });

  it.each(ODD_NAMES)('should refuse %j by the AmiRequested JSON Schema too', (name) => {
    expect(instanceNamePatterns().some((pattern) => !pattern.test(name))).toBe(true);
  });

  it.each(USUAL_NAMES)('should accept %j in both', (name) => {
    expect(parseCreateAmiRequest({ instance_name_list: [name] }).instance_name_list).toEqual([
      name,
    ]);
    expect(parseDetail(AmiRequestedV1, amiRequested([name])).data.instanceNames).toEqual([name]);
    expect(instanceNamePatterns().every((pattern) => pattern.test(name))).toBe(true);
  });

  it('should give one reason per odd name', () => {
    const error = (() => {
      try {
        parseCreateAmiRequest({ instance_name_list: [' ', '..'] });
      } catch (caught) {
        return caught;
      }
    })();

    expect(error).toMatchObject({
      errors: [
        { field: 'instance_name_list[0]', message: 'must not be only spaces' },
        {
          field: 'instance_name_list[1]',
          message: 'must not be only dots, wholly or between slashes (as in ../)',
        },
      ],
    });
  });
});
