import { existsSync, readFileSync } from 'node:fs';
import * as z from '../../../events/zod';
import { writeFileDurably } from '../persistence/durable-files';

const savedPorts = z.record(z.string(), z.number().check(z.int(), z.minimum(1), z.maximum(65_535)));

/**
 * The ports of the built-in webhook sink and of the relays, by what listens there (`sink`, or a
 * relay's target URL), kept in the state folder. The notifier records a delivery under its
 * target's URL, so that a notification retried after a restart skips the targets it reached:
 * each listens on its port again at the next start, and keeps its URL.
 */
export function openWebhookPorts(path: string) {
  const parsed = existsSync(path)
    ? savedPorts.safeParse(safeJson(readFileSync(path, 'utf8')))
    : undefined;
  // A file that is not ours is not worth refusing to start for: the ports are only preferences.
  const ports: Record<string, number> = parsed?.success ? { ...parsed.data } : {};
  return {
    saved: (key: string): number | undefined => ports[key],
    remember(key: string, port: number): void {
      if (ports[key] === port) return;
      ports[key] = port;
      writeFileDurably(path, `${JSON.stringify(ports, null, 2)}\n`);
    },
  };
}

export type WebhookPorts = ReturnType<typeof openWebhookPorts>;

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}
