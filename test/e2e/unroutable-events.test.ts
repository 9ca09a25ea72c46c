import { DescribeImagesCommand } from '@aws-sdk/client-ec2';
import { PutEventsCommand } from '@aws-sdk/client-eventbridge';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventually, startTestCloud } from './local-cloud-client';

let system: Awaited<ReturnType<typeof startTestCloud>>;

beforeAll(async () => {
  system = await startTestCloud();
}, 60_000);

afterAll(async () => {
  await system?.stop();
});

async function imageCount(): Promise<number> {
  const { Images = [] } = await system.ec2.send(new DescribeImagesCommand({ Owners: ['self'] }));
  return Images.length;
}

describe('events of ours that no versioned rule accepts', () => {
  it.each([
    [
      'without metadata',
      { data: { instanceNames: ['service-api'] } },
      /metadata\.schemaVersion is missing/,
    ],
    [
      'with schemaVersion 2',
      {
        metadata: { schemaVersion: 2, requestId: 'v2-1' },
        data: { instanceNames: ['service-api'] },
      },
      /schemaVersion 2 is not supported/,
    ],
    [
      'with schemaVersion "1"',
      {
        metadata: { schemaVersion: '1', requestId: 'string-1' },
        data: { instanceNames: ['service-api'] },
      },
      /schemaVersion must be an integer/,
    ],
  ])(
    'should dead-letter an AmiRequested %s with its reason and create nothing',
    async (_, detail, reason) => {
      // Prepare
      const imagesBefore = await imageCount();

      // Act
      const put = await system.eventBridge.send(
        new PutEventsCommand({
          Entries: [
            {
              EventBusName: system.cloud.eventBusName,
              Source: 'some.system',
              DetailType: 'AmiRequested',
              Detail: JSON.stringify(detail),
            },
          ],
        }),
      );

      // Assess
      expect(put.FailedEntryCount).toBe(0);
      const eventId = put.Entries?.[0]?.EventId;
      const deadLetter = await eventually(
        async () => {
          const letters = await system.deadLetters();
          return letters.find((letter) => letter.event.id === eventId);
        },
        'a dead letter',
        15_000,
      );
      expect(deadLetter.error.message).toMatch(reason);
      // The queue keeps the original event beside the reason, for a redrive after a fix.
      expect(deadLetter).toMatchObject({
        input: { reason: deadLetter.error.message, event: { id: eventId } },
      });
      await system.cloud.whenIdle();
      const letters = (await system.deadLetters()).filter((letter) => letter.event.id === eventId);
      expect(letters).toHaveLength(1);
      const outcomes = (await system.events()).filter(
        (event) =>
          event['detail-type'] !== 'AmiRequested' && event.source.startsWith('ami-lifecycle'),
      );
      expect(outcomes).toEqual([]);
      expect(await imageCount()).toBe(imagesBefore);
    },
  );
});
