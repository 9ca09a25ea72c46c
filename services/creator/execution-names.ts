import { createHash } from 'node:crypto';

/**
 * `<requestId>-<12 hex digits of sha256(key)>`: the same request and key always give the same
 * name. Execution names allow 80 characters; a 64-character request id leaves room for the
 * digest and a `-<n>` suffix.
 */
export function requestScopedName(requestId: string, key: string): string {
  const digest = createHash('sha256').update(key).digest('hex').slice(0, 12);
  return `${requestId}-${digest}`;
}

/** `arn:…:stateMachine:<machine>` names its executions `arn:…:execution:<machine>:<name>`. */
export function executionArnOf(stateMachineArn: string, name: string): string {
  return `${stateMachineArn.replace(':stateMachine:', ':execution:')}:${name}`;
}
