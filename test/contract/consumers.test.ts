import { describe, expect, it } from 'vitest';
import { AmiRequestedV1 } from '../../events/ami-requested.v1';
import { SUBSCRIPTIONS, type SubscribedService } from '../../events/catalog';
import { parseEvent } from '../../events/contract';
import { toPurgeTrigger } from '../../services/janitor/purge-trigger';
import { parseNotification } from '../../services/notifier/notification';

/** How each consumer turns an incoming EventBridge event into its own input. */
const CONSUMERS: Record<SubscribedService, (event: unknown) => unknown> = {
  creator: (event) => parseEvent(AmiRequestedV1, event),
  notifier: parseNotification,
  janitor: toPurgeTrigger,
};

const envelope = (source: string, detailType: string, detail: unknown, index: number) => ({
  version: '0',
  id: `0d0f7f1c-0000-4000-8000-00000000000${index}`,
  'detail-type': detailType,
  source,
  account: '111122223333',
  time: '2025-06-05T12:00:00Z',
  region: 'ap-northeast-2',
  resources: [],
  detail,
});

const cases = Object.entries(SUBSCRIPTIONS).flatMap(([service, contracts]) =>
  contracts.flatMap((contract) =>
    contract.examples.map((example, index) => ({
      service: service as SubscribedService,
      contract,
      example,
      index,
    })),
  ),
);

describe('consumers accept every example of the events they subscribe to', () => {
  it.each(cases.map((c) => [c.service, c.contract.detailType, c.index, c] as const))(
    'should let the %s parse %s example %i',
    (_service, _detailType, _index, { service, contract, example, index }) => {
      const source = contract.sources === 'any' ? 'some.other.system' : (contract.sources[0] ?? '');
      expect(() =>
        CONSUMERS[service](envelope(source, contract.detailType, example, index)),
      ).not.toThrow();
    },
  );

  it('should cover every subscription', () => {
    expect(cases.length).toBeGreaterThanOrEqual(
      Object.values(SUBSCRIPTIONS).reduce((sum, contracts) => sum + contracts.length, 0),
    );
  });
});
