import { boundLines, truncateText } from '../bounded-text';
import { describeNotification, TONE_COLOR, TONE_EMOJI } from '../describe-notification';
import type { Notification } from '../notification';
import { JSON_HEADERS, type RenderedWebhook } from './rendered-webhook';

/** Discord message and embed limits (https://discord.com/developers/docs/resources/message). */
export const DISCORD_LIMITS = {
  content: 2_000,
  title: 256,
  description: 4_096,
  fields: 25,
  fieldName: 256,
  fieldValue: 1_024,
  footer: 2_048,
  /** Title, description, field names and values, and footer together. */
  embedTotal: 6_000,
} as const;

const FOOTER = 'ami-lifecycle';

/** AMI names such as `app-Deploy-2025-06-05_12_00` would otherwise turn into italics. */
function escapeMarkdown(text: string): string {
  return text.replace(/[\\*_~`|>#[\]]/g, (character) => `\\${character}`);
}

export function renderDiscord(notification: Notification): RenderedWebhook {
  const { tone, title, summary, facts, sections } = describeNotification(notification);
  const embedTitle = truncateText(title, DISCORD_LIMITS.title);
  const fields = facts.slice(0, DISCORD_LIMITS.fields).map((fact) => ({
    name: truncateText(fact.label, DISCORD_LIMITS.fieldName),
    value: truncateText(escapeMarkdown(fact.value), DISCORD_LIMITS.fieldValue),
    inline: true,
  }));
  const used =
    embedTitle.length +
    FOOTER.length +
    fields.reduce((total, field) => total + field.name.length + field.value.length, 0);
  const description = describeSections(
    escapeMarkdown(summary),
    sections,
    Math.min(DISCORD_LIMITS.description, DISCORD_LIMITS.embedTotal - used),
  );
  return {
    headers: JSON_HEADERS,
    body: JSON.stringify({
      content: truncateText(`${TONE_EMOJI[tone]} ${escapeMarkdown(title)}`, DISCORD_LIMITS.content),
      embeds: [
        {
          title: embedTitle,
          description,
          color: Number.parseInt(TONE_COLOR[tone].slice(1), 16),
          fields,
          footer: { text: FOOTER },
          timestamp: notification.event.detail.metadata.occurredAt,
        },
      ],
      // Instance names are free text: never let them ping @everyone or a role.
      allowed_mentions: { parse: [] },
    }),
  };
}

/** The summary, then each section with an equal share of what is left of the description. */
function describeSections(
  summary: string,
  sections: ReturnType<typeof describeNotification>['sections'],
  maxChars: number,
): string {
  const head = truncateText(summary, Math.min(maxChars, 500));
  if (sections.length === 0) return head;
  const share = Math.floor((maxChars - head.length) / sections.length);
  const parts = sections.map((section) => {
    const heading = `**${escapeMarkdown(section.heading)}**`;
    const lines = boundLines(
      section.lines.map((line) => `• ${escapeMarkdown(line)}`),
      {
        maxLines: 30,
        // Two newlines before each part and one after its heading.
        maxChars: share - heading.length - 3,
        maxLineChars: 400,
        separator: '\n',
      },
    );
    return [heading, ...lines].join('\n');
  });
  return [head, ...parts].join('\n\n');
}
