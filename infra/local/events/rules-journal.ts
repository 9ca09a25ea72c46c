import { appendJsonLinesDurably, readJsonLines } from '../persistence/durable-files';
import type { LocalService } from '../protocol';

/** The EventBridge operations that change rules, targets or API destinations. */
const RULE_CHANGES = new Set([
  'AWSEvents.PutRule',
  'AWSEvents.PutTargets',
  'AWSEvents.RemoveTargets',
  'AWSEvents.DeleteRule',
  'AWSEvents.CreateApiDestination',
]);

export interface JournaledEventsService extends LocalService {
  /**
   * Applies the journaled changes again, in order, on top of the template's rules; answers the
   * ones that no longer apply (e.g. a target of a rule the template no longer has).
   */
  replay(): Promise<string[]>;
}

/**
 * Keeps the rule changes made over the API (the `aws events put-rule` a user ran) across restarts:
 * each accepted change is journaled, fsync'd, before its answer, and replayed at the next start.
 * The requests themselves are journaled rather than the rules: the template's rules are rebuilt
 * from the template at each start, and only what the user changed on top of them is replayed.
 */
export function journalRuleChanges(service: LocalService, path: string): JournaledEventsService {
  return {
    async handle(request) {
      const response = await service.handle(request);
      const target = request.headers['x-amz-target'] ?? '';
      if (RULE_CHANGES.has(target) && response.statusCode === 200) {
        appendJsonLinesDurably(path, [{ target, body: request.body }]);
      }
      return response;
    },
    async replay() {
      const refused: string[] = [];
      for (const line of readJsonLines(path) as { target: string; body: string }[]) {
        const response = await service.handle({
          method: 'POST',
          path: '/',
          headers: { 'x-amz-target': line.target, 'content-type': 'application/x-amz-json-1.1' },
          body: line.body,
        });
        if (response.statusCode !== 200) refused.push(`${line.target}: ${response.body}`);
      }
      return refused;
    },
  };
}
