import type { AmiFailedV1Detail } from '../../../events/ami-failed.v1';
import { boundLines, truncateText } from '../bounded-text';
import { describeNotification, FAILURE_REASON_TEXT, TONE_COLOR } from '../describe-notification';
import type { Notification } from '../notification';
import { JSON_HEADERS, type RenderedWebhook } from './rendered-webhook';

/** JANDI incoming webhooks require this Accept header (API v2). */
export const JANDI_HEADERS = {
  Accept: 'application/vnd.tosslab.jandi-v2+json',
  ...JSON_HEADERS,
} as const;

/** JANDI documents no hard limits; these keep a message short enough to read in a chat. */
const SECTION_LIMITS = { maxLines: 30, maxChars: 3_000, maxLineChars: 300, separator: '\n' };
const MAX_TEXT = 1_000;

interface JandiMessage {
  body: string;
  connectColor: string;
  connectInfo: { title: string; description: string }[];
}

export function renderJandi(notification: Notification): RenderedWebhook {
  return { headers: JANDI_HEADERS, body: JSON.stringify(jandiMessage(notification)) };
}

function jandiMessage(notification: Notification): JandiMessage {
  switch (notification.detailType) {
    case 'AmiAvailable': {
      // Exactly the original system's message, which existing JANDI rooms and filters expect.
      const { imageId, imageName } = notification.event.detail.data;
      return {
        body: 'AMI Is Available.',
        connectColor: TONE_COLOR.success,
        connectInfo: [
          {
            title: 'Complete AMI Create. AMI State Available.',
            description: `AMI ID: ${imageId}, Name: ${imageName}`,
          },
        ],
      };
    }
    case 'AmiFailed':
      return failedMessage(notification.event.detail.data);
    case 'AmiPurged': {
      const description = describeNotification(notification);
      const facts = description.facts.map((fact) => `${fact.label}: ${fact.value}`).join(', ');
      return {
        body: truncateText(description.title, MAX_TEXT),
        connectColor: TONE_COLOR[description.tone],
        connectInfo: [
          { title: truncateText(description.summary, MAX_TEXT), description: facts },
          ...description.sections.map((section) => ({
            title: section.heading,
            description: boundLines(section.lines, SECTION_LIMITS).join(SECTION_LIMITS.separator),
          })),
        ],
      };
    }
  }
}

function failedMessage(data: AmiFailedV1Detail['data']): JandiMessage {
  const image = [
    data.imageId === undefined ? undefined : `AMI ID: ${data.imageId}`,
    data.imageName === undefined ? undefined : `Name: ${data.imageName}`,
    data.imageState === undefined ? undefined : `State: ${data.imageState}`,
  ].filter((part) => part !== undefined);
  return {
    body: 'AMI Create Failed.',
    connectColor: TONE_COLOR.failure,
    connectInfo: [
      {
        title: `${FAILURE_REASON_TEXT[data.reason]} (${data.reason}).`,
        description: [
          `Instance: ${data.instanceName}${image.length > 0 ? `, ${image.join(', ')}` : ''}`,
          truncateText(data.message, MAX_TEXT),
        ].join('\n'),
      },
    ],
  };
}
