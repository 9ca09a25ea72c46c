import { boundLines, truncateText } from '../bounded-text';
import { describeNotification, TONE_EMOJI } from '../describe-notification';
import type { Notification } from '../notification';
import { JSON_HEADERS, type RenderedWebhook } from './rendered-webhook';

/** Slack Block Kit limits (https://api.slack.com/reference/block-kit/blocks). */
export const SLACK_LIMITS = {
  blocks: 50,
  headerText: 150,
  sectionText: 3_000,
  fields: 10,
  fieldText: 2_000,
} as const;

/** Slack's mrkdwn treats only these three as control characters. */
function escapeMrkdwn(text: string): string {
  return text.replaceAll('&', '&amp;').replaceAll('<', '&lt;').replaceAll('>', '&gt;');
}

/** `text` is the notification and screen-reader fallback; `blocks` is what the channel shows. */
export function renderSlack(notification: Notification): RenderedWebhook {
  const { tone, title, summary, facts, sections } = describeNotification(notification);
  const heading = `${TONE_EMOJI[tone]} ${title}`;
  const blocks: unknown[] = [
    {
      type: 'header',
      text: {
        type: 'plain_text',
        text: truncateText(heading, SLACK_LIMITS.headerText),
        emoji: true,
      },
    },
    {
      type: 'section',
      text: { type: 'mrkdwn', text: truncateText(escapeMrkdwn(summary), SLACK_LIMITS.sectionText) },
    },
    {
      type: 'section',
      fields: facts.slice(0, SLACK_LIMITS.fields).map((fact) => ({
        type: 'mrkdwn',
        text: truncateText(
          `*${escapeMrkdwn(fact.label)}*\n${escapeMrkdwn(fact.value)}`,
          SLACK_LIMITS.fieldText,
        ),
      })),
    },
    ...sections.map((section) => {
      const sectionHeading = `*${escapeMrkdwn(section.heading)}*`;
      const lines = boundLines(
        section.lines.map((line) => `• ${escapeMrkdwn(line)}`),
        {
          maxLines: 40,
          maxChars: SLACK_LIMITS.sectionText - sectionHeading.length - 1,
          maxLineChars: 500,
          separator: '\n',
        },
      );
      return {
        type: 'section',
        text: { type: 'mrkdwn', text: [sectionHeading, ...lines].join('\n') },
      };
    }),
  ];
  const text = truncateText(`${heading}: ${escapeMrkdwn(summary)}`, SLACK_LIMITS.sectionText);
  return { headers: JSON_HEADERS, body: JSON.stringify({ text, blocks }) };
}
