import { resolve } from 'node:path';
import { parseSettings } from '../../settings';
import { LOCAL_ACCOUNT_ID, LOCAL_REGION } from '../account';
import { type LocalTemplate, readLocalTemplate } from '../template/local-template';
import { synthesizeForLocalCloud } from '../template/stack-template';
import type { Timeline } from '../timeline';

const STACK_NAME = 'AmiLifecycle';

/**
 * The stack the CDK app synthesizes with these settings (cached by its sources), read for the
 * local cloud.
 */
export async function readLocalStack(
  settings: Record<string, unknown>,
  waitScale: number,
  timeline: Timeline,
): Promise<LocalTemplate> {
  // Waits are shortened locally, so the wall-clock deadline of a pending AMI is shortened with
  // them (360 minutes polled every 60 s become 6 minutes polled every second).
  const deployed = parseSettings(settings);
  const scaled = {
    ...settings,
    waitDeadlineMinutes: Math.max(1, Math.ceil(deployed.waitDeadlineMinutes * waitScale)),
  };
  return readLocalTemplate(await synthesizeForLocalCloud(STACK_NAME, scaled, timeline), {
    region: LOCAL_REGION,
    accountId: LOCAL_ACCOUNT_ID,
    stackName: STACK_NAME,
    sourceRoot: resolve(import.meta.dirname, '../../..'),
  });
}
