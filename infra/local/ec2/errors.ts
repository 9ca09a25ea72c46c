/**
 * An error EC2 would answer with: its code, message and HTTP status. Client mistakes are 400,
 * throttling is 503 and faults of the service itself are 500, as EC2 does.
 */
export class Ec2Error extends Error {
  constructor(
    readonly code: string,
    message: string,
    readonly statusCode = 400,
  ) {
    super(message);
    this.name = 'Ec2Error';
  }
}

export const missingParameter = (name: string): Ec2Error =>
  new Ec2Error('MissingParameter', `The request must contain the parameter ${name}`);

export const invalidParameterValue = (message: string): Ec2Error =>
  new Ec2Error('InvalidParameterValue', message);

export const invalidParameterCombination = (message: string): Ec2Error =>
  new Ec2Error('InvalidParameterCombination', message);
