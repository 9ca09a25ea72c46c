import { describe, expect, it } from 'vitest';
import { deployImageName } from './deploy-image-name';

describe('deployImageName', () => {
  it('should format the seed name {NAME}-Deploy-YYYY-MM-DD_HH_MM in UTC', () => {
    expect(deployImageName('service-api', new Date('2025-06-05T12:00:59.999Z'), 'UTC')).toBe(
      'service-api-Deploy-2025-06-05_12_00',
    );
  });

  it('should use the wall-clock time of the configured time zone, including the date', () => {
    // 23:30 UTC on 5 June is 08:30 on 6 June in Seoul (UTC+9).
    const at = new Date('2025-06-05T23:30:00Z');
    expect(deployImageName('service-api', at, 'Asia/Seoul')).toBe(
      'service-api-Deploy-2025-06-06_08_30',
    );
    expect(deployImageName('service-api', at, 'America/New_York')).toBe(
      'service-api-Deploy-2025-06-05_19_30',
    );
  });

  it('should zero-pad and write midnight as 00, not 24', () => {
    expect(deployImageName('web', new Date('2025-01-02T00:05:00Z'), 'UTC')).toBe(
      'web-Deploy-2025-01-02_00_05',
    );
  });
});
