import { describe, expect, it } from 'vitest';
import { InvalidEventError } from '../../events/contract';
import { toHttpResponse } from './http-errors';

describe('toHttpResponse', () => {
  it.each([
    ['an unexpected error', new Error('db password is hunter2')],
    ['a contract defect', new InvalidEventError('invalid AmiRequested v1: x', 'AmiRequested')],
    ['a thrown string', 'secret detail'],
  ])('should answer 500 without detail for %s', (_, error) => {
    // Act
    const response = toHttpResponse(error);

    // Assess
    expect(response.statusCode).toBe(500);
    expect(response.headers).toEqual({ 'content-type': 'application/json' });
    expect(JSON.parse(response.body)).toEqual({ message: 'Internal server error' });
  });

  it('should not mistake another error with a status code for a body parser error', () => {
    const error = Object.assign(new Error('upstream said no'), { statusCode: 403 });

    const response = toHttpResponse(error);

    expect(response.statusCode).toBe(500);
    expect(response.body).not.toContain('upstream');
  });
});
