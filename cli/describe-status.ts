import type { NameStatus, RequestStatus } from '../services/api/request-status';
import { formatDuration } from './duration';

/** `service-api: available ami-0abc… (service-api-Deploy-…)`, `…: failed image-failed: …`. */
export function describeName(name: NameStatus): string {
  return `${name.instanceName}: ${name.state}${describeDetail(name)}`;
}

export function describeDetail(name: NameStatus): string {
  if (name.state === 'failed') {
    const why = [name.reason, name.message].filter((part) => part !== undefined).join(': ');
    return why === '' ? '' : ` (${why})`;
  }
  if (name.imageId === undefined) return '';
  return name.imageName === undefined ? ` ${name.imageId}` : ` ${name.imageId} (${name.imageName})`;
}

/** The lines `status` prints for people. */
export function describeRequest(status: RequestStatus, now: Date): string[] {
  const age = formatDuration(now.getTime() - Date.parse(status.requestedAt));
  const by = status.requestedBy === undefined ? '' : ` by ${status.requestedBy}`;
  const label = status.requestLabel === undefined ? '' : ` [${status.requestLabel}]`;
  return [
    `request ${status.requestId}: ${status.state} (requested ${age} ago${by})${label}`,
    ...status.names.map((name) => `  ${describeName(name)}`),
  ];
}
