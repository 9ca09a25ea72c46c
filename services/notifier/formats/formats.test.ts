import { describe, expect, it } from 'vitest';
import { AmiAvailableV1 } from '../../../events/ami-available.v1';
import { AmiFailedV1 } from '../../../events/ami-failed.v1';
import { AmiPurgedV1, type AmiPurgedV1Detail } from '../../../events/ami-purged.v1';
import { SUBSCRIPTIONS } from '../../../events/catalog';
import { eventBridgeEvent, notificationOf } from '../fixtures';
import { NOTIFIED_EVENTS } from '../notification';
import { WEBHOOK_FORMATS, type WebhookFormat } from '../webhook-target';
import { DISCORD_LIMITS } from './discord';
import { EVENT_ID_HEADER } from './json';
import { renderWebhook } from './render-webhook';
import { SLACK_LIMITS } from './slack';
import { TEAMS_LIMITS } from './teams';

type Json = Record<string, unknown>;

function render(
  format: WebhookFormat,
  contract: typeof AmiPurgedV1 | typeof AmiAvailableV1 | typeof AmiFailedV1,
  detail: unknown,
) {
  const rendered = renderWebhook(format, notificationOf(contract, detail));
  return {
    headers: rendered.headers,
    body: rendered.body,
    json: JSON.parse(rendered.body) as Json,
  };
}

/** Checks the limits each platform enforces; returns every human-visible string. */
function assertWithinLimits(format: WebhookFormat, body: string): void {
  const message = JSON.parse(body);
  switch (format) {
    case 'slack': {
      expect(message.blocks.length).toBeLessThanOrEqual(SLACK_LIMITS.blocks);
      expect(message.text.length).toBeLessThanOrEqual(SLACK_LIMITS.sectionText);
      for (const block of message.blocks) {
        if (block.type === 'header') {
          expect(block.text.text.length).toBeLessThanOrEqual(SLACK_LIMITS.headerText);
        }
        if (block.text)
          expect(block.text.text.length).toBeLessThanOrEqual(SLACK_LIMITS.sectionText);
        if (block.fields) {
          expect(block.fields.length).toBeLessThanOrEqual(SLACK_LIMITS.fields);
          for (const field of block.fields) {
            expect(field.text.length).toBeLessThanOrEqual(SLACK_LIMITS.fieldText);
          }
        }
      }
      break;
    }
    case 'discord': {
      expect(message.content.length).toBeLessThanOrEqual(DISCORD_LIMITS.content);
      expect(message.embeds).toHaveLength(1);
      const [embed] = message.embeds;
      expect(Number.isInteger(embed.color)).toBe(true);
      expect(embed.title.length).toBeLessThanOrEqual(DISCORD_LIMITS.title);
      expect(embed.description.length).toBeLessThanOrEqual(DISCORD_LIMITS.description);
      expect(embed.fields.length).toBeLessThanOrEqual(DISCORD_LIMITS.fields);
      const fieldChars = embed.fields.reduce(
        (total: number, field: { name: string; value: string }) => {
          expect(field.value.length).toBeLessThanOrEqual(DISCORD_LIMITS.fieldValue);
          return total + field.name.length + field.value.length;
        },
        0,
      );
      expect(
        embed.title.length + embed.description.length + fieldChars + embed.footer.text.length,
      ).toBeLessThanOrEqual(DISCORD_LIMITS.embedTotal);
      break;
    }
    case 'teams': {
      expect(Buffer.byteLength(body)).toBeLessThanOrEqual(TEAMS_LIMITS.messageBytes);
      expect(message.type).toBe('message');
      const [attachment] = message.attachments;
      expect(attachment.contentType).toBe('application/vnd.microsoft.card.adaptive');
      expect(attachment.content.type).toBe('AdaptiveCard');
      expect(Number(attachment.content.version)).toBeGreaterThanOrEqual(1.4);
      break;
    }
    case 'jandi': {
      expect(typeof message.body).toBe('string');
      expect(message.connectColor).toMatch(/^#[0-9a-f]{6}$/);
      expect(Buffer.byteLength(body)).toBeLessThanOrEqual(16_000);
      break;
    }
    case 'json':
      break;
  }
}

const CONSUMED = [AmiAvailableV1, AmiFailedV1, AmiPurgedV1] as const;
const cases = WEBHOOK_FORMATS.flatMap((format) =>
  CONSUMED.flatMap((contract) =>
    contract.examples.map(
      (example, index) =>
        [format, `${contract.detailType} example ${index}`, contract, example] as const,
    ),
  ),
);

describe('consumer contract: every format renders every example', () => {
  it('should consume exactly the events the catalog subscribes the notifier to', () => {
    expect(SUBSCRIPTIONS.notifier.map((contract) => contract.detailType)).toEqual([
      ...NOTIFIED_EVENTS,
    ]);
  });

  it.each(cases)(
    'should render %s for %s within the platform limits',
    (format, _name, contract, example) => {
      // Prepare
      const data: Json = example.data;
      // Act
      const { headers, body } = render(format, contract, example);
      // Assess
      expect(headers['Content-Type']).toBe('application/json');
      assertWithinLimits(format, body);
      expect(body).toContain(String(data.instanceName ?? data.runId));
      const imageIds = [
        data.imageId,
        ...((data.purged as Json[] | undefined) ?? []).map((image) => image.imageId),
      ];
      for (const imageId of imageIds.filter((id) => id !== undefined)) {
        expect(body).toContain(String(imageId));
      }
    },
  );
});

describe('jandi', () => {
  it("should render AmiAvailable exactly as the original system's payload, with JANDI's headers", () => {
    const [example] = AmiAvailableV1.examples;
    const { headers, json } = render('jandi', AmiAvailableV1, example);
    expect(headers).toEqual({
      Accept: 'application/vnd.tosslab.jandi-v2+json',
      'Content-Type': 'application/json',
    });
    expect(json).toEqual({
      body: 'AMI Is Available.',
      connectColor: '#28a745',
      connectInfo: [
        {
          title: 'Complete AMI Create. AMI State Available.',
          description: 'AMI ID: ami-0123456789abcdef0, Name: service-api-Deploy-2025-06-05_12_00',
        },
      ],
    });
  });

  it('should render a failure in red with the reason and the message', () => {
    const example = AmiFailedV1.examples[1];
    const { json } = render('jandi', AmiFailedV1, example);
    expect(json.connectColor).toBe('#dc3545');
    expect(json.body).toBe('AMI Create Failed.');
    const [info] = json.connectInfo as Json[];
    expect(info?.title).toContain('image-failed');
    expect(info?.description).toContain('Server.InternalError: Internal error');
    expect(info?.description).toContain('service-api');
    expect(info?.description).toContain('State: failed');
  });

  it('should list deleted images with name, age and snapshot results, and skipped ones with why', () => {
    const [example] = AmiPurgedV1.examples;
    const { json } = render('jandi', AmiPurgedV1, example);
    const text = JSON.stringify(json.connectInfo);
    expect(text).toContain(
      'ami-0aaaaaaaaaaaaaaa1 service-api-Deploy-2025-05-01_09_30, 35.1 days old, snapshots: snap-0aaaaaaaaaaaaaaa1 success',
    );
    expect(text).toContain(
      'ami-0aaaaaaaaaaaaaaa2 service-api-Deploy-2025-05-10_10_00: in use by an instance (i-0123456789abcdef1)',
    );
    expect(json.body).toBe('AMI purge: service-api');
  });

  it('should flag a dry run in the title and summary', () => {
    const dryRun = AmiPurgedV1.examples[1];
    const { json } = render('jandi', AmiPurgedV1, dryRun);
    expect(json.body).toBe('AMI purge (dry run): all instance names');
    expect(json.connectColor).toBe('#ffc107');
    const [summary] = json.connectInfo as Json[];
    expect(summary?.title).toContain('Would delete 1 AMI');
    expect(summary?.title).toContain('Dry run: nothing was deleted.');
  });

  it('should count snapshot deletions that failed, not report "0 failed", and show them in red', () => {
    const [example] = AmiPurgedV1.examples;
    const { json } = render('jandi', AmiPurgedV1, {
      ...example,
      data: {
        ...example?.data,
        purged: [
          {
            ...example?.data.purged[0],
            snapshots: [
              { snapshotId: 'snap-0aaaaaaaaaaaaaaa1', result: 'success' },
              { snapshotId: 'snap-0aaaaaaaaaaaaaaa2', result: 'missing-permissions' },
            ],
          },
        ],
      },
    });
    const [summary] = json.connectInfo as Json[];
    expect(summary?.title).toContain('0 failed, 1 snapshot deletion failed');
    expect(json.connectColor).toBe('#dc3545');
  });

  it('should say which part of a multi-part run it reports, and show failures in red', () => {
    const { json } = render('jandi', AmiPurgedV1, {
      ...AmiPurgedV1.examples[0],
      data: {
        ...AmiPurgedV1.examples[0]?.data,
        part: 2,
        final: false,
        failed: [
          {
            imageId: 'ami-0ccccccccccccccc1',
            instanceName: 'service-api',
            code: 'InvalidAMIID.Unavailable',
            message: 'The image is not available.',
          },
        ],
      },
    });
    expect(json.connectColor).toBe('#dc3545');
    const text = JSON.stringify(json);
    expect(text).toContain('This is part 2 (continues) of the run.');
    expect(text).toContain(
      'ami-0ccccccccccccccc1: InvalidAMIID.Unavailable: The image is not available.',
    );
  });
});

function hugePurge(count: number): AmiPurgedV1Detail {
  const [example] = AmiPurgedV1.examples;
  const image = (n: number) => ({
    imageId: `ami-${n.toString(16).padStart(17, '0')}`,
    imageName: `service-api-Deploy-2025-01-01_00_00-${n}`.padEnd(120, 'x'),
    instanceName: 'service-api',
  });
  return AmiPurgedV1.detail.parse({
    ...example,
    data: {
      ...example?.data,
      purged: Array.from({ length: count }, (_, n) => ({
        ...image(n),
        createdAt: '2025-01-01T00:00:00.000Z',
        ageDays: 155.5,
        snapshots: [
          { snapshotId: `snap-${n.toString(16).padStart(17, '0')}`, result: 'success' },
          { snapshotId: `snap-${(n + 1e6).toString(16).padStart(17, '0')}`, result: 'skipped' },
        ],
      })),
      skipped: Array.from({ length: count }, (_, n) => ({
        ...image(n + count),
        reason: 'in-use-by-launch-template',
        detail: 'lt-0123456789abcdef0 version 7',
      })),
      failed: Array.from({ length: count }, (_, n) => ({
        ...image(n + 2 * count),
        code: 'Server.InternalError',
        message: 'x'.repeat(5_000),
      })),
    },
  });
}

describe('bounded messages', () => {
  const huge = hugePurge(1_000);

  it.each(WEBHOOK_FORMATS.filter((format) => format !== 'json'))(
    'should keep a purge of thousands of images within the %s limits, saying how many were left out',
    (format) => {
      const { body } = render(format, AmiPurgedV1, huge);
      assertWithinLimits(format, body);
      const more = [...body.matchAll(/…and (\d+) more/g)].map((match) => Number(match[1]));
      expect(more).toHaveLength(3);
      // What is listed plus what is left out is everything, in each section.
      const listed = (keep: (id: string) => boolean) =>
        new Set([...body.matchAll(/ami-[0-9a-f]{17}/g)].map((m) => m[0]).filter(keep));
      const inRange = (from: number) => (id: string) => {
        const n = Number.parseInt(id.slice(4), 16);
        return n >= from && n < from + 1_000;
      };
      const counts = [0, 1_000, 2_000].map((from) => listed(inRange(from)).size);
      expect(counts.map((count, i) => count + (more[i] ?? 0))).toEqual([1_000, 1_000, 1_000]);
    },
  );

  it.each(WEBHOOK_FORMATS.filter((format) => format !== 'json'))(
    'should cut a very long failure message to fit %s',
    (format) => {
      const [, example] = AmiFailedV1.examples;
      const { body } = render(format, AmiFailedV1, {
        ...example,
        data: { ...example?.data, message: 'Server.InternalError: '.padEnd(20_000, 'y') },
      });
      assertWithinLimits(format, body);
      expect(body).toContain('Server.InternalError');
      expect(body.length).toBeLessThan(10_000);
    },
  );
});

describe('slack', () => {
  it('should send text and blocks, escaping characters Slack treats as markup', () => {
    const [, example] = AmiFailedV1.examples;
    const { json } = render('slack', AmiFailedV1, {
      ...example,
      data: { ...example?.data, message: 'Client.Error: <bad> & worse' },
    });
    expect(json.text).toContain('AMI failed: service-api');
    expect(JSON.stringify(json.blocks)).toContain('Client.Error: &lt;bad&gt; &amp; worse');
    expect(JSON.stringify(json.blocks)).not.toContain('<bad>');
  });
});

describe('discord', () => {
  it('should colour embeds with decimal integers: green available, red failed', () => {
    const available = render('discord', AmiAvailableV1, AmiAvailableV1.examples[0]).json;
    const failed = render('discord', AmiFailedV1, AmiFailedV1.examples[0]).json;
    expect((available.embeds as Json[])[0]?.color).toBe(0x28a745);
    expect((failed.embeds as Json[])[0]?.color).toBe(0xdc3545);
  });

  it('should never let an event mention @everyone and should escape markdown in names', () => {
    const { json } = render('discord', AmiAvailableV1, AmiAvailableV1.examples[0]);
    expect(json.allowed_mentions).toEqual({ parse: [] });
    expect(JSON.stringify(json.embeds)).toContain('service-api-Deploy-2025-06-05\\\\_12\\\\_00');
  });
});

describe('teams', () => {
  it('should send an Adaptive Card with the title in the colour of the outcome and the facts', () => {
    const { json } = render('teams', AmiFailedV1, AmiFailedV1.examples[1]);
    const [attachment] = json.attachments as { content: { body: Json[] } }[];
    const [title, , factSet] = attachment?.content.body ?? [];
    expect(title).toMatchObject({
      type: 'TextBlock',
      text: 'AMI failed: service-api',
      color: 'Attention',
    });
    expect(factSet?.facts).toContainEqual({ title: 'AMI ID', value: 'ami-0123456789abcdef0' });
  });
});

describe('json', () => {
  it('should forward the EventBridge event exactly as received, with its id in a header', () => {
    const event = eventBridgeEvent(AmiAvailableV1, AmiAvailableV1.examples[0]);
    const { headers, json } = render('json', AmiAvailableV1, AmiAvailableV1.examples[0]);
    expect(json).toEqual(event);
    expect(headers[EVENT_ID_HEADER]).toBe(event.id);
  });
});
