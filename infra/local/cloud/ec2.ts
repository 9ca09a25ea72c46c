import { LOCAL_ACCOUNT_ID, LOCAL_REGION } from '../account';
import { defaultFixture } from '../default-fixture';
import {
  createEc2Service,
  type Ec2Fixture,
  type Ec2Service,
  type Ec2State,
  type ImageStateEvents,
  imageStateEvents,
  type ThrottlingOptions,
} from '../ec2';
import type { PutEventsEntry } from '../events/bus';
import { createSsmService, type SsmService, type SsmState } from '../ssm';
import { readSavedState, type StatePaths } from './state';

export interface LocalEc2Options {
  readonly fixture?: Ec2Fixture;
  readonly bakeMs?: number;
  readonly throttling?: false | ThrottlingOptions;
}

export interface LocalEc2 {
  readonly ec2: Ec2Service;
  /** Parameter Store, whose parameters EC2 reads for `resolve:ssm:` aliases and image references. */
  readonly ssm: SsmService;
  readonly amiStateEvents: ImageStateEvents;
}

/**
 * EC2 and Parameter Store, from their saved state or else the fixture. EC2 announces AMIs becoming
 * available or failing through `publish` (the default bus, as on AWS); changes are held until
 * `amiStateEvents.attach`, so the bus may be created afterwards.
 */
export function createLocalEc2(
  options: LocalEc2Options,
  paths: StatePaths,
  publish: (entry: PutEventsEntry) => void,
): LocalEc2 {
  const amiStateEvents = imageStateEvents(({ source, detailType, detail, resources, time }) =>
    publish({
      Source: source,
      DetailType: detailType,
      Detail: JSON.stringify(detail),
      Resources: resources,
      Time: time,
    }),
  );
  const savedSsm = readSavedState<SsmState>(paths.ssm);
  const ssm = createSsmService({
    accountId: LOCAL_ACCOUNT_ID,
    region: LOCAL_REGION,
    ...(savedSsm === undefined ? {} : { state: savedSsm }),
  });
  const savedEc2 = readSavedState<Ec2State>(paths.ec2);
  const ec2 = createEc2Service({
    onImageStateChange: amiStateEvents.onImageStateChange,
    ssmParameters: ssm.parameters,
    accountId: LOCAL_ACCOUNT_ID,
    region: LOCAL_REGION,
    bakeMs: options.bakeMs ?? 8_000,
    ...(options.throttling === undefined ? {} : { throttling: options.throttling }),
    ...(savedEc2
      ? { state: savedEc2 }
      : { fixture: options.fixture ?? defaultFixture(new Date()) }),
  });
  return { ec2, ssm, amiStateEvents };
}
