import { describe, expect, it } from 'vitest';
import { ConfigurationError } from '../shared/config';
import { loadApiConfig } from './config';

describe('loadApiConfig', () => {
  it('should read the event bus name', () => {
    expect(loadApiConfig({ EVENT_BUS_NAME: 'ami-lifecycle' })).toEqual({
      eventBusName: 'ami-lifecycle',
    });
  });

  it.each([
    ['missing', {}],
    ['empty', { EVENT_BUS_NAME: '' }],
  ])('should fail naming EVENT_BUS_NAME when it is %s', (_, environment) => {
    expect(() => loadApiConfig(environment)).toThrow(ConfigurationError);
    expect(() => loadApiConfig(environment)).toThrow(/EVENT_BUS_NAME: must be set/);
  });
});
