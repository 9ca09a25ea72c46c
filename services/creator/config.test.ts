import { describe, expect, it } from 'vitest';
import { ConfigurationError } from '../shared/config';
import { loadCreatorConfig } from './config';
import { ANNOUNCER_ARN, STATE_MACHINE_ARN } from './fake-cloud.test-double';

const valid = {
  EVENT_BUS_NAME: 'ami-lifecycle',
  LEDGER_TABLE_NAME: 'ami-lifecycle-requests',
  STATE_MACHINE_ARN,
  ANNOUNCER_STATE_MACHINE_ARN: ANNOUNCER_ARN,
};

describe('loadCreatorConfig', () => {
  it('should apply the documented defaults', () => {
    expect(loadCreatorConfig(valid)).toEqual({
      eventBusName: 'ami-lifecycle',
      ledgerTableName: 'ami-lifecycle-requests',
      stateMachineArn: STATE_MACHINE_ARN,
      announcerArn: ANNOUNCER_ARN,
      timeZone: 'UTC',
      noReboot: true,
      allowReboot: false,
      createConcurrency: 4,
      waitDeadlineMinutes: 360,
    });
  });

  it('should read every setting', () => {
    expect(
      loadCreatorConfig({
        ...valid,
        TIME_ZONE: 'Asia/Seoul',
        NO_REBOOT: 'false',
        ALLOW_REBOOT: 'true',
        CREATE_CONCURRENCY: '20',
        WAIT_DEADLINE_MINUTES: '10080',
      }),
    ).toMatchObject({
      timeZone: 'Asia/Seoul',
      noReboot: false,
      allowReboot: true,
      createConcurrency: 20,
      waitDeadlineMinutes: 10080,
    });
  });

  it.each([
    [{ STATE_MACHINE_ARN }, 'EVENT_BUS_NAME: must be set'],
    [{ EVENT_BUS_NAME: 'bus' }, 'STATE_MACHINE_ARN: must be set'],
    [{ ...valid, STATE_MACHINE_ARN: 'ami-watcher' }, 'STATE_MACHINE_ARN: must be a Step Functions'],
    [{ ...valid, TIME_ZONE: 'Mars/Olympus_Mons' }, 'TIME_ZONE: must be an IANA time zone'],
    [{ ...valid, NO_REBOOT: 'yes' }, 'NO_REBOOT: must be true or false'],
    [{ ...valid, ALLOW_REBOOT: 'yes' }, 'ALLOW_REBOOT: must be true or false'],
    [{ ...valid, CREATE_CONCURRENCY: '0' }, 'CREATE_CONCURRENCY: must be at least 1'],
    [{ ...valid, CREATE_CONCURRENCY: '21' }, 'CREATE_CONCURRENCY: must be at most 20'],
    [{ ...valid, WAIT_DEADLINE_MINUTES: '0' }, 'WAIT_DEADLINE_MINUTES: must be at least 1'],
    [{ ...valid, WAIT_DEADLINE_MINUTES: '10081' }, 'WAIT_DEADLINE_MINUTES: must be at most 10080'],
    [{ ...valid, WAIT_DEADLINE_MINUTES: '6h' }, 'WAIT_DEADLINE_MINUTES: must be a whole number'],
  ])('should reject %j naming the variable', (environment, message) => {
    expect(() => loadCreatorConfig(environment)).toThrow(ConfigurationError);
    expect(() => loadCreatorConfig(environment)).toThrow(message);
  });
});
