import type { LocalRequest, LocalResponse, LocalService } from '../../infra/local/protocol';

/** One DeregisterImage request as the local EC2 saw it. */
export interface DeregisterCall {
  readonly imageId: string;
  /** Epoch milliseconds (sub-millisecond), comparable with other processes' clocks. */
  readonly receivedAt: number;
  readonly statusCode: number;
}

export interface RecordedEc2 extends LocalService {
  readonly deregisterCalls: readonly DeregisterCall[];
}

/**
 * The local EC2 with every DeregisterImage recorded, throttled answers included: the emulator's
 * own statistics count calls per action, while "nothing repeated" needs them per image.
 */
export function recordedEc2(ec2: LocalService): RecordedEc2 {
  const deregisterCalls: DeregisterCall[] = [];
  return {
    deregisterCalls,
    async handle(request: LocalRequest): Promise<LocalResponse> {
      const receivedAt = performance.timeOrigin + performance.now();
      const response = await ec2.handle(request);
      const params = new URLSearchParams(request.body);
      if (params.get('Action') === 'DeregisterImage') {
        deregisterCalls.push({
          imageId: params.get('ImageId') ?? '',
          receivedAt,
          statusCode: response.statusCode,
        });
      }
      return response;
    },
  };
}
