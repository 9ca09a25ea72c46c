import { describe, expect, it } from 'vitest';
import { createRerunKeys, withoutContextValues } from '../../../infra/local/sfn/rerun-keys';

const EXECUTION = 'arn:aws:states:ap-northeast-2:111122223333:execution:watcher:request-1';

describe('withoutContextValues', () => {
  it('should leave out what the template takes from the context object, at any depth', () => {
    const template = {
      Entries: [
        {
          Source: 'test',
          Detail: {
            'imageId.$': '$.imageId',
            'at.$': '$$.State.EnteredTime',
            'label.$': "States.Format('{} of {}', $.imageId, $$.Execution.Name)",
          },
        },
      ],
      'token.$': '$$.Task.Token',
    };
    const input = {
      Entries: [
        {
          Source: 'test',
          Detail: { imageId: 'ami-1', at: '2026-11-26T21:00:00Z', label: 'ami-1 of request-1' },
        },
      ],
      token: 'abc',
    };
    expect(withoutContextValues(template, input)).toEqual({
      Entries: [{ Source: 'test', Detail: { imageId: 'ami-1' } }],
    });
  });

  it('should keep the whole input of a Task without Parameters', () => {
    expect(withoutContextValues(undefined, { checkedAt: 'x' })).toEqual({ checkedAt: 'x' });
  });
});

describe('createRerunKeys', () => {
  const template = { 'imageId.$': '$.imageId', 'at.$': '$$.State.EnteredTime' };

  it('should give a rerun the keys of the first run, whatever the context values', () => {
    const first = createRerunKeys(EXECUTION);
    const rerun = createRerunKeys(EXECUTION);
    expect(rerun.claim('Publish', template, { at: '2', imageId: 'ami-1' }).key).toBe(
      first.claim('Publish', template, { imageId: 'ami-1', at: '1' }).key,
    );
  });

  it('should tell apart states, inputs, executions and calls running at once', () => {
    const keys = createRerunKeys(EXECUTION);
    const claimed = [
      keys.claim('Publish', template, { imageId: 'ami-1' }).key,
      keys.claim('Publish', template, { imageId: 'ami-1' }).key,
      keys.claim('Publish', template, { imageId: 'ami-2' }).key,
      keys.claim('Announce', template, { imageId: 'ami-1' }).key,
      createRerunKeys(`${EXECUTION}-2`).claim('Publish', template, { imageId: 'ami-1' }).key,
    ];
    expect(new Set(claimed).size).toBe(claimed.length);
  });

  it('should give a failed call its key back for its retry', () => {
    const keys = createRerunKeys(EXECUTION);
    const failed = keys.claim('Publish', template, { imageId: 'ami-1' });
    failed.release();
    expect(keys.claim('Publish', template, { imageId: 'ami-1' }).key).toBe(failed.key);
  });
});
