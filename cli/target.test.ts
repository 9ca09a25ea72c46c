import { describe, expect, it, vi } from 'vitest';
import { UsageError } from './exit-codes';
import { LOCAL_API_URL, resolveApiTarget } from './target';

const STACK_URL = 'https://abc123.execute-api.eu-west-1.amazonaws.com/prod';

describe('resolveApiTarget', () => {
  it('should take --api-url first, without asking the stack', async () => {
    const readStackApiUrl = vi.fn(async () => STACK_URL);

    const target = await resolveApiTarget({
      apiUrl: 'https://api.example.com/prod/',
      env: { AMI_LIFECYCLE_API_URL: 'https://env.example.com/prod' },
      stackName: 'ami-lifecycle',
      readStackApiUrl,
    });

    expect(target.baseUrl.href).toBe('https://api.example.com/prod');
    expect(target.source).toBe('option');
    expect(target.local).toBe(false);
    expect(readStackApiUrl).not.toHaveBeenCalled();
  });

  it('should take AMI_LIFECYCLE_API_URL when no option is given, without asking the stack', async () => {
    const readStackApiUrl = vi.fn(async () => STACK_URL);

    const target = await resolveApiTarget({
      env: { AMI_LIFECYCLE_API_URL: 'https://env.example.com/prod' },
      stackName: 'ami-lifecycle',
      readStackApiUrl,
    });

    expect(target.baseUrl.href).toBe('https://env.example.com/prod');
    expect(target.source).toBe('environment');
    expect(readStackApiUrl).not.toHaveBeenCalled();
  });

  it('should take the named stack’s output when neither is set', async () => {
    const readStackApiUrl = vi.fn(async () => STACK_URL);

    const target = await resolveApiTarget({ env: {}, stackName: 'ami-staging', readStackApiUrl });

    expect(target.baseUrl.href).toBe(STACK_URL);
    expect(target.source).toBe('stack');
    expect(readStackApiUrl).toHaveBeenCalledWith('ami-staging');
  });

  it('should fall back to the local cloud, unsigned, when no stack is found', async () => {
    const target = await resolveApiTarget({
      env: { AMI_LIFECYCLE_API_URL: '' },
      stackName: 'ami-lifecycle',
      readStackApiUrl: async () => undefined,
    });

    expect(target.baseUrl.href).toBe(LOCAL_API_URL);
    expect(target.source).toBe('local-default');
    expect(target.local).toBe(true);
  });

  it('should refuse a URL that is not one as a usage error', async () => {
    await expect(
      resolveApiTarget({
        apiUrl: 'api.example.com',
        env: {},
        stackName: 's',
        readStackApiUrl: async () => undefined,
      }),
    ).rejects.toBeInstanceOf(UsageError);
  });
});
