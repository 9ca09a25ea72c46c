import { describe, expect, it } from 'vitest';
import { isRefusal, UnexpectedImageReferenceError, verdictFor } from './image-references';

describe('verdictFor', () => {
  it.each([
    {
      reference: {
        ResourceType: 'ec2:Instance' as const,
        Arn: 'arn:aws-us-gov:ec2:us-gov-west-1:111122223333:instance/i-0123456789abcdef0',
      },
      verdict: { reason: 'in-use-by-instance', detail: 'i-0123456789abcdef0' },
    },
    {
      reference: {
        ResourceType: 'ec2:LaunchTemplate' as const,
        Arn: 'arn:aws:ec2:eu-west-1:111122223333:launch-template/lt-0123456789abcdef0',
      },
      verdict: { reason: 'in-use-by-launch-template', detail: 'lt-0123456789abcdef0' },
    },
    {
      reference: {
        ResourceType: 'ec2:LaunchTemplate' as const,
        Arn: 'arn:aws:ec2:eu-west-1:111122223333:launch-template/lt-0123456789abcdef0:2',
      },
      verdict: { reason: 'in-use-by-launch-template', detail: 'lt-0123456789abcdef0 v2' },
    },
    {
      reference: {
        ResourceType: 'ssm:Parameter' as const,
        Arn: 'arn:aws-cn:ssm:cn-north-1:111122223333:parameter/ami-lifecycle/service-api/latest',
      },
      verdict: { reason: 'in-use-by-ssm-parameter', detail: '/ami-lifecycle/service-api/latest' },
    },
    {
      reference: {
        ResourceType: 'ssm:Parameter' as const,
        Arn: 'arn:aws:ssm:eu-west-1:111122223333:parameter/golden-ami',
      },
      verdict: { reason: 'in-use-by-ssm-parameter', detail: 'golden-ami' },
    },
    {
      reference: {
        ResourceType: 'imagebuilder:ContainerRecipe' as const,
        Arn: 'arn:aws:imagebuilder:eu-west-1:111122223333:container-recipe/web/1.0.2',
      },
      verdict: {
        reason: 'in-use-by-image-recipe',
        detail: 'arn:aws:imagebuilder:eu-west-1:111122223333:container-recipe/web/1.0.2',
      },
    },
  ])(
    'should name $verdict.detail for a $reference.ResourceType reference',
    ({ reference, verdict }) => {
      // Act
      const result = verdictFor({ ImageId: 'ami-0123456789abcdef0', ...reference });

      // Assess
      expect(result).toEqual(verdict);
    },
  );

  it('should keep the whole ARN as detail when it has an unexpected shape', () => {
    // Act
    const result = verdictFor({ ResourceType: 'ec2:Instance', Arn: 'arn:aws:ec2:::something' });

    // Assess
    expect(result).toEqual({ reason: 'in-use-by-instance', detail: 'arn:aws:ec2:::something' });
  });

  it('should throw for a reference of a type it never asked for, so nothing is deleted', () => {
    // Act
    const judging = () =>
      verdictFor({
        ImageId: 'ami-0123456789abcdef0',
        // A type EC2 may add later; the check only asks for the five it knows.
        ResourceType: 'ecs:TaskDefinition' as never,
        Arn: 'arn:aws:ecs:eu-west-1:111122223333:task-definition/web:3',
      });

    // Assess
    expect(judging).toThrow(UnexpectedImageReferenceError);
  });
});

describe('isRefusal', () => {
  it.each([
    ['UnauthorizedOperation', true],
    ['AccessDeniedException', true],
    ['InvalidAction', true],
    ['RequestLimitExceeded', false],
    ['InternalError', false],
  ])('should tell %s apart (refusal: %s)', (code, refusal) => {
    // Prepare
    const error = new Error('EC2 said no');
    error.name = code;

    // Act, Assess
    expect(isRefusal(error)).toBe(refusal);
  });
});
