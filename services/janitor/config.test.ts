import { describe, expect, it } from 'vitest';
import { ConfigurationError } from '../shared/config';
import { parseJanitorConfig } from './config';

/** The purge run's resources, which the stack always sets. */
const RUN = {
  JOURNAL_TABLE_NAME: 'AmiLifecycle-JanitorJournal',
  PURGE_RUN_STATE_MACHINE_ARN:
    'arn:aws:states:ap-northeast-2:111122223333:stateMachine:AmiLifecycle-purge-run',
};

describe('parseJanitorConfig', () => {
  it('should apply the documented defaults', () => {
    expect(parseJanitorConfig({ EVENT_BUS_NAME: 'ami-lifecycle', ...RUN })).toEqual({
      eventBusName: 'ami-lifecycle',
      journalTableName: RUN.JOURNAL_TABLE_NAME,
      purgeRunStateMachineArn: RUN.PURGE_RUN_STATE_MACHINE_ARN,
      retentionDays: 14,
      keepLatest: 1,
      dryRun: false,
      maxDeletionsPerRun: 50,
      deregisterRatePerSecond: 5,
      deregisterBurst: 100,
      deregisterConcurrency: 10,
      timeBudgetMarginMs: 30_000,
      purgeBatchSize: 2_000,
      launchTemplateVersionDepth: 10_000,
      purgeSharedImages: false,
      ssmParameterPrefix: '/',
    });
  });

  it('should read every setting, a fractional rate included', () => {
    const config = parseJanitorConfig({
      EVENT_BUS_NAME: 'bus',
      ...RUN,
      RETENTION_DAYS: '30',
      KEEP_LATEST: '3',
      DRY_RUN: 'true',
      MAX_DELETIONS_PER_RUN: '500',
      DEREGISTER_RATE_PER_SECOND: '2.5',
      DEREGISTER_BURST: '20',
      DEREGISTER_CONCURRENCY: '2',
      TIME_BUDGET_MARGIN_MS: '60000',
      PURGE_BATCH_SIZE: '500',
      LAUNCH_TEMPLATE_VERSION_DEPTH: '5',
      PURGE_SHARED_IMAGES: 'true',
      SSM_PARAMETER_PREFIX: '/ami-lifecycle/',
    });
    expect(config).toMatchObject({
      retentionDays: 30,
      keepLatest: 3,
      dryRun: true,
      purgeBatchSize: 500,
      launchTemplateVersionDepth: 5,
      purgeSharedImages: true,
      ssmParameterPrefix: '/ami-lifecycle/',
    });
    expect(config.deregisterRatePerSecond).toBe(2.5);
  });

  it.each([
    [{}, /EVENT_BUS_NAME: must be set/],
    [{ JOURNAL_TABLE_NAME: '' }, /JOURNAL_TABLE_NAME: must be set/],
    [{ PURGE_RUN_STATE_MACHINE_ARN: '' }, /PURGE_RUN_STATE_MACHINE_ARN: must be set/],
    [{ PURGE_BATCH_SIZE: '0' }, /PURGE_BATCH_SIZE: must be at least 1/],
    [{ LAUNCH_TEMPLATE_VERSION_DEPTH: '10001' }, /LAUNCH_TEMPLATE_VERSION_DEPTH: must be at most/],
    [{ SSM_PARAMETER_PREFIX: 'ami' }, /SSM_PARAMETER_PREFIX: must be a path starting with \//],
    [{ KEEP_LATEST: '0' }, /KEEP_LATEST: must be at least 1/],
    [{ RETENTION_DAYS: '0' }, /RETENTION_DAYS: must be at least 1/],
    [{ RETENTION_DAYS: 'two weeks' }, /RETENTION_DAYS: must be a whole number/],
    [{ DRY_RUN: 'yes' }, /DRY_RUN: must be true or false/],
    [{ MAX_DELETIONS_PER_RUN: '0' }, /MAX_DELETIONS_PER_RUN: must be at least 1/],
    [{ DEREGISTER_RATE_PER_SECOND: '0' }, /DEREGISTER_RATE_PER_SECOND: must be greater than 0/],
    [{ DEREGISTER_RATE_PER_SECOND: 'fast' }, /DEREGISTER_RATE_PER_SECOND: must be a positive/],
    [{ TIME_BUDGET_MARGIN_MS: '10' }, /TIME_BUDGET_MARGIN_MS: must be at least 1000/],
  ])('should refuse %o, naming the variable', (overrides, message) => {
    const environment = { EVENT_BUS_NAME: 'bus', ...RUN, ...overrides };
    if (!('EVENT_BUS_NAME' in overrides) && Object.keys(overrides).length === 0) {
      Reflect.deleteProperty(environment, 'EVENT_BUS_NAME');
    }
    expect(() => parseJanitorConfig(environment)).toThrow(ConfigurationError);
    expect(() => parseJanitorConfig(environment)).toThrow(message);
  });
});
