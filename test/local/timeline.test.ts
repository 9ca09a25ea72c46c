import { describe, expect, it } from 'vitest';
import {
  EC2_AMI_STATE_CHANGE,
  EC2_AMI_STATE_CHANGE_EXAMPLES,
} from '../../events/ec2-ami-state-change';
import { describeEvent } from '../../infra/local/timeline';

describe('the local timeline', () => {
  it("should name the AMI and its state in EC2's own state-change events", () => {
    const [detail] = EC2_AMI_STATE_CHANGE_EXAMPLES;
    const line = describeEvent({
      version: '0',
      id: 'e1',
      'detail-type': EC2_AMI_STATE_CHANGE.detailType,
      source: EC2_AMI_STATE_CHANGE.source,
      account: '123456789012',
      time: '2025-06-05T12:03:30Z',
      region: 'us-east-1',
      resources: [],
      detail: { ...detail },
    });
    expect(line).toBe('EC2 AMI State Change ami-0123456789abcdef0: available (default bus)');
  });
});
