import type { SsmParameterLookup } from '../ec2/ssm-parameters';
import { AwsJsonError, createJsonService } from '../endpoint/json-protocol';
import type { LocalRequest, LocalResponse, LocalService } from '../protocol';
import { SsmError } from './errors';
import { ParameterStore, type SsmState } from './parameter-store';
import { readOperations } from './read-operations';
import { writeOperations } from './write-operations';

export interface SsmServiceOptions {
  accountId?: string;
  region?: string;
  /** The clock (epoch ms) that stamps `LastModifiedDate`. */
  now?: () => number;
  /** A saved state to start from (what `snapshotState()` returned). */
  state?: SsmState;
}

export interface SsmService extends LocalService {
  /** What the local EC2 reads for `resolve:ssm:` aliases and DescribeImageReferences. */
  readonly parameters: SsmParameterLookup;
  /** A JSON-serialisable copy of every parameter; give it back as `options.state`. */
  snapshotState(): SsmState;
  /** Removes every parameter. */
  reset(): void;
}

/**
 * Parameter Store over AWS JSON 1.1 (`X-Amz-Target: AmazonSSM.*`): PutParameter, GetParameter,
 * GetParameters, GetParametersByPath, DescribeParameters, DeleteParameter, DeleteParameters.
 */
export function createSsmService(options: SsmServiceOptions = {}): SsmService {
  const accountId = options.accountId ?? '123456789012';
  const region = options.region ?? 'us-east-1';
  const store = new ParameterStore(region, accountId, options.now ?? Date.now, options.state);

  const json = createJsonService({
    targetPrefix: 'AmazonSSM',
    contentType: 'application/x-amz-json-1.1',
    mapError: (error) =>
      error instanceof SsmError
        ? new AwsJsonError(error.code, error.message, error.statusCode)
        : undefined,
    operations: { ...writeOperations(store), ...readOperations(store, accountId) },
  });

  return {
    parameters: store.lookup,
    snapshotState: () => store.toState(),
    reset: () => store.reset(),
    handle: (request: LocalRequest): Promise<LocalResponse> => json.handle(request),
  };
}
