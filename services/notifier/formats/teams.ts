import { boundLines, truncateText } from '../bounded-text';
import { describeNotification, type Tone } from '../describe-notification';
import type { Notification } from '../notification';
import { JSON_HEADERS, type RenderedWebhook } from './rendered-webhook';

/**
 * Teams rejects messages over about 28 KB; each list is bounded well below that so the whole card
 * stays within it.
 */
export const TEAMS_LIMITS = {
  messageBytes: 28_000,
  sectionChars: 6_000,
  sectionLines: 40,
} as const;

const TONE_COLOR: Record<Tone, 'Good' | 'Attention' | 'Warning' | 'Accent'> = {
  success: 'Good',
  failure: 'Attention',
  warning: 'Warning',
  info: 'Accent',
};

/**
 * A message for a Teams "When a Teams webhook request is received" workflow: one Adaptive Card
 * (1.4, the newest version every Teams client renders) inside `attachments`.
 */
export function renderTeams(notification: Notification): RenderedWebhook {
  const { tone, title, summary, facts, sections } = describeNotification(notification);
  const body: unknown[] = [
    {
      type: 'TextBlock',
      text: title,
      style: 'heading',
      size: 'Medium',
      weight: 'Bolder',
      color: TONE_COLOR[tone],
      wrap: true,
    },
    { type: 'TextBlock', text: truncateText(summary, 2_000), wrap: true },
    { type: 'FactSet', facts: facts.map((fact) => ({ title: fact.label, value: fact.value })) },
    ...sections.flatMap((section) => [
      { type: 'TextBlock', text: section.heading, weight: 'Bolder', spacing: 'Medium', wrap: true },
      {
        type: 'TextBlock',
        // A Markdown list: one "- " item per line (Adaptive Cards separate list lines with \r).
        text: boundLines(
          section.lines.map((line) => `- ${line}`),
          {
            maxLines: TEAMS_LIMITS.sectionLines,
            maxChars: TEAMS_LIMITS.sectionChars,
            maxLineChars: 400,
            separator: '\r',
          },
        ).join('\r'),
        spacing: 'Small',
        wrap: true,
      },
    ]),
  ];
  return {
    headers: JSON_HEADERS,
    body: JSON.stringify({
      type: 'message',
      attachments: [
        {
          contentType: 'application/vnd.microsoft.card.adaptive',
          contentUrl: null,
          content: {
            $schema: 'http://adaptivecards.io/schemas/adaptive-card.json',
            type: 'AdaptiveCard',
            version: '1.4',
            msteams: { width: 'Full' },
            body,
          },
        },
      ],
    }),
  };
}
