export { Ec2Error } from './errors';
export { type Ec2Fixture, Ec2FixtureError, ec2FixtureSchema, type SeedResult } from './fixture';
export {
  type ImageStateEvent,
  type ImageStateEvents,
  type ImageStateEventsOptions,
  imageStateEvents,
} from './image-state-events';
export { BAKE_SECONDS_TAG, FAIL_DELETE_TAG, FAIL_IMAGE_TAG } from './images';
export type { Ec2State, ImageStateChange } from './model';
export {
  createEc2Service,
  type Ec2Service,
  type Ec2ServiceOptions,
  type Ec2Stats,
  type InjectedFailure,
  SUPPORTED_ACTIONS,
} from './service';
export type { BucketSize, ThrottlingOptions } from './throttling';
