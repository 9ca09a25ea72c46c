import { describe, expect, it } from 'vitest';
import { ConfigurationError } from '../shared/config';
import { loadApiConfig } from './config';

const valid = { EVENT_BUS_NAME: 'ami-lifecycle', LEDGER_TABLE_NAME: 'ami-lifecycle-requests' };

describe('loadApiConfig', () => {
  it('should read the event bus and the ledger table', () => {
    expect(loadApiConfig(valid)).toEqual({
      eventBusName: 'ami-lifecycle',
      ledgerTableName: 'ami-lifecycle-requests',
    });
  });

  it.each([
    ['EVENT_BUS_NAME', 'missing', { LEDGER_TABLE_NAME: 'requests' }],
    ['EVENT_BUS_NAME', 'empty', { ...valid, EVENT_BUS_NAME: '' }],
    ['LEDGER_TABLE_NAME', 'missing', { EVENT_BUS_NAME: 'ami-lifecycle' }],
  ])('should fail naming %s when it is %s', (name, _, environment) => {
    expect(() => loadApiConfig(environment)).toThrow(ConfigurationError);
    expect(() => loadApiConfig(environment)).toThrow(new RegExp(`${name}: must be set`));
  });
});
