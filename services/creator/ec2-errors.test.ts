import { EC2ServiceException } from '@aws-sdk/client-ec2';
import { describe, expect, it } from 'vitest';
import { isTransientEc2Error } from './ec2-errors';
import { ec2Error } from './fake-cloud.test-double';

function serverError(name: string): EC2ServiceException {
  return new EC2ServiceException({
    name,
    message: 'try again',
    $fault: 'server',
    $metadata: { httpStatusCode: 503 },
  });
}

function networkError(code: string): Error {
  return Object.assign(new Error(`connect ${code} 10.0.0.1:443`), { code });
}

describe('isTransientEc2Error', () => {
  it.each([
    'RequestLimitExceeded',
    'Throttling',
    'ThrottlingException',
    'InternalError',
    'InternalFailure',
    'Unavailable',
    'ServiceUnavailable',
    'RequestTimeout',
  ])('should call %s transient', (code) => {
    expect(isTransientEc2Error(ec2Error(code, 'try again'))).toBe(true);
  });

  it('should call any error EC2 marks as its own fault transient', () => {
    expect(isTransientEc2Error(serverError('SomethingNew'))).toBe(true);
  });

  it('should call a throttled answer without a known code transient', () => {
    const throttled = new EC2ServiceException({
      name: 'SomethingNew',
      message: 'slow down',
      $fault: 'client',
      $metadata: { httpStatusCode: 429 },
    });
    expect(isTransientEc2Error(throttled)).toBe(true);
  });

  it.each(['ECONNRESET', 'ECONNREFUSED', 'ETIMEDOUT', 'EPIPE', 'EAI_AGAIN'])(
    'should call the network error %s transient',
    (code) => {
      expect(isTransientEc2Error(networkError(code))).toBe(true);
    },
  );

  it('should call a timed-out request transient', () => {
    const timeout = Object.assign(new Error('Connection timed out after 3000 ms'), {
      name: 'TimeoutError',
    });
    expect(isTransientEc2Error(timeout)).toBe(true);
  });

  it('should call an error that is not an answer from EC2 transient', () => {
    // Credentials that cannot be loaded, or a defect: the dead-letter queue shows it, no name ends.
    expect(isTransientEc2Error(new TypeError('Cannot read properties of undefined'))).toBe(true);
    expect(isTransientEc2Error('a string')).toBe(true);
  });

  it.each([
    'IncorrectInstanceState',
    'IncorrectState',
    'InvalidInstanceID.NotFound',
    'InvalidInstanceID.Malformed',
    'InvalidAMIName.Malformed',
    'InvalidAMIName.Duplicate',
    'UnauthorizedOperation',
    'AuthFailure',
    'InvalidParameterValue',
  ])('should call %s permanent', (code) => {
    expect(isTransientEc2Error(ec2Error(code, 'refused'))).toBe(false);
  });

  it('should call an access denied answer permanent', () => {
    const denied = new EC2ServiceException({
      name: 'AccessDenied',
      message: 'not authorized',
      $fault: 'client',
      $metadata: { httpStatusCode: 403 },
    });
    expect(isTransientEc2Error(denied)).toBe(false);
  });
});
