import type { Timeline } from '../timeline';
import type { CloudFormationTemplate } from './local-template';
import { synthesizeTemplateCached, type TemplateCacheOptions } from './template-cache';

/**
 * The stack's template for the local cloud: from the cache when its sources have not changed,
 * else synthesized (and cached). Says on the timeline which it was and how long it took, since a
 * synthesis is most of a first start.
 */
export async function synthesizeForLocalCloud(
  stackName: string,
  settings: Record<string, unknown>,
  timeline: Timeline,
  cache: TemplateCacheOptions = {},
): Promise<CloudFormationTemplate> {
  const started = performance.now();
  timeline({ kind: 'info', text: 'synthesizing the stack…' });
  const { template, fromCache } = await synthesizeTemplateCached(stackName, settings, cache);
  const seconds = ((performance.now() - started) / 1000).toFixed(1);
  timeline({
    kind: 'info',
    text: fromCache
      ? `stack template cached, sources unchanged (${seconds} s)`
      : `stack template synthesized and cached (${seconds} s)`,
  });
  return template;
}
