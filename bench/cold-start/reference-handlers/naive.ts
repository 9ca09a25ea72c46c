// The naive version of any function: its floor, behind the whole of zod (the namespace object,
// which keeps every schema type and locale in the bundle) and a middy handler.
import middy from '@middy/core';
import { z } from 'zod';

const eventSchema = z.union([
  z.looseObject({
    'detail-type': z.string().min(1),
    source: z.string().min(1),
    time: z.iso.datetime({ offset: true }),
    detail: z.looseObject({ metadata: z.looseObject({ schemaVersion: z.number().int() }) }),
  }),
  z.looseObject({ Records: z.array(z.looseObject({ body: z.string() })).min(1) }),
  z.looseObject({
    httpMethod: z.enum(['POST']),
    path: z.string(),
    body: z.string().nullable(),
  }),
]);

export function naive<Event, Result>(floor: (event: Event) => Promise<Result>) {
  return middy().handler(async (event: unknown) => floor(eventSchema.parse(event) as Event));
}
