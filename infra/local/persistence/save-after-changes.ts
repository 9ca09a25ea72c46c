import type { LocalRequest, LocalService } from '../protocol';
import { writeFileDurably } from './durable-files';

/** Operations that only read: every other one may change the service's state. */
const READ_ONLY = /^(Describe|Get|List)/;

/**
 * Saves a service's state after each request that may have changed it, before the answer goes
 * out: what EC2 (or Parameter Store) acknowledged is on disk even if the process is killed next.
 */
export function saveAfterChanges(service: LocalService, save: () => void): LocalService {
  return {
    async handle(request) {
      const response = await service.handle(request);
      if (!READ_ONLY.test(operationOf(request))) save();
      return response;
    },
  };
}

/** Writes a state snapshot as JSON, durably (see `writeFileDurably`). */
export function saveSnapshot(path: string, state: unknown): void {
  writeFileDurably(path, JSON.stringify(state));
}

/** The operation a request names: EC2's `Action` (form or query) or the JSON `X-Amz-Target`'s. */
function operationOf(request: LocalRequest): string {
  const target = request.headers['x-amz-target'];
  if (target) return target.slice(target.indexOf('.') + 1);
  const query = request.path.includes('?') ? request.path.slice(request.path.indexOf('?') + 1) : '';
  return (
    new URLSearchParams(request.body).get('Action') ??
    new URLSearchParams(query).get('Action') ??
    ''
  );
}
