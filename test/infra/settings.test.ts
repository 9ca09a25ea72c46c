import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadSettings, parseSettings, SettingsError } from '../../infra/settings';
import { temporaryFolder } from '../tools';

describe('settings', () => {
  it('should default to the seed-compatible, safe values', () => {
    expect(parseSettings({})).toMatchObject({
      retentionDays: 14,
      keepLatest: 1,
      dryRun: false,
      pollIntervalSeconds: 60,
      waitDeadlineMinutes: 360,
      apiAuthorization: 'iam',
      publisherAccounts: [],
      subscriberAccounts: [],
      janitorSchedule: 'cron(0 3 * * ? *)',
      noReboot: true,
      allowReboot: false,
    });
  });

  it('should refuse a deadline with more checks than one execution history can hold', () => {
    expect(() =>
      parseSettings({ waitDeadlineMinutes: 7 * 24 * 60, pollIntervalSeconds: 60 }),
    ).toThrow(
      /waitDeadlineMinutes ÷ pollIntervalSeconds allows 10080 checks of one AMI; at most 1800/,
    );
    expect(
      parseSettings({ waitDeadlineMinutes: 7 * 24 * 60, pollIntervalSeconds: 600 }),
    ).toMatchObject({ waitDeadlineMinutes: 10080, pollIntervalSeconds: 600 });
  });

  it('should accept command-line context strings for numbers, booleans and lists', () => {
    const settings = parseSettings({
      retentionDays: '30',
      dryRun: 'true',
      subscriberAccounts: '111122223333, 444455556666',
      publisherAccounts: '["777788889999"]',
    });
    expect(settings).toMatchObject({
      retentionDays: 30,
      dryRun: true,
      subscriberAccounts: ['111122223333', '444455556666'],
      publisherAccounts: ['777788889999'],
    });
  });

  it.each([
    [{ retentionDays: 'two weeks' }, /retentionDays: must be a whole number/],
    [{ keepLatest: 0 }, /keepLatest: must be at least 1/],
    [{ apiAuthorization: 'open' }, /apiAuthorization: must be one of iam, api-key, none/],
    [{ webhookFormat: 'irc' }, /webhookFormat: must be one of jandi, slack, teams, discord, json/],
    [{ subscriberAccounts: '12345' }, /subscriberAccounts\[0\]: must be a 12-digit account id/],
    [{ timeZone: 'Mars/Olympus' }, /timeZone: must be an IANA time zone/],
    [{ janitorSchedule: 'daily' }, /janitorSchedule: must be an EventBridge schedule expression/],
    [{ logRetentionDays: 10 }, /logRetentionDays: must be one of 1, 3, 5/],
    [{ allowReboot: 'yes' }, /allowReboot: must be true or false/],
    [{ retentionDay: 14 }, /unknown setting retentionDay/],
  ])('should fail naming the bad setting in %o', (raw, message) => {
    expect(() => parseSettings(raw)).toThrow(SettingsError);
    expect(() => parseSettings(raw)).toThrow(message);
  });

  describe('from a settings file', () => {
    const dir = temporaryFolder('settings');

    it('should read the file named by settingsFile, with context taking precedence', () => {
      const file = join(dir, 'settings.json');
      writeFileSync(file, JSON.stringify({ retentionDays: 30, keepLatest: 3 }));
      const context: Record<string, unknown> = { settingsFile: file, keepLatest: '2' };

      expect(loadSettings((key) => context[key])).toMatchObject({
        retentionDays: 30,
        keepLatest: 2,
      });
    });

    it('should fail naming the file when it is not JSON', () => {
      const file = join(dir, 'broken.json');
      writeFileSync(file, 'retentionDays = 30');
      expect(() => loadSettings((key) => (key === 'settingsFile' ? file : undefined))).toThrow(
        /settingsFile .*broken\.json: not a readable JSON file/,
      );
    });
  });
});
