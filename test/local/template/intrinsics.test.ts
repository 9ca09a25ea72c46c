import { describe, expect, it } from 'vitest';
import {
  type ResolveContext,
  resolveValue,
  TemplateResolutionError,
} from '../../../infra/local/template/intrinsics';

const context: ResolveContext = {
  region: 'us-east-1',
  accountId: '000000000000',
  stackName: 'AmiLifecycle',
  ref: (logicalId) => `ref-of-${logicalId}`,
  attribute: (logicalId, attribute) => `${attribute}-of-${logicalId}`,
};

describe('resolveValue', () => {
  it('should resolve Ref to resources and pseudo parameters', () => {
    expect(resolveValue({ Ref: 'Bus' }, context)).toBe('ref-of-Bus');
    expect(resolveValue({ Ref: 'AWS::Region' }, context)).toBe('us-east-1');
    expect(resolveValue({ Ref: 'AWS::AccountId' }, context)).toBe('000000000000');
  });

  it('should resolve Fn::GetAtt in both forms', () => {
    expect(resolveValue({ 'Fn::GetAtt': ['Bus', 'Arn'] }, context)).toBe('Arn-of-Bus');
    expect(resolveValue({ 'Fn::GetAtt': 'Watcher.Name' }, context)).toBe('Name-of-Watcher');
  });

  it('should resolve Fn::Join and Fn::Sub with nested intrinsics', () => {
    expect(
      resolveValue(
        { 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, ':events:', { Ref: 'Bus' }]] },
        context,
      ),
    ).toBe('arn:aws:events:ref-of-Bus');
    expect(
      resolveValue(
        // biome-ignore lint/suspicious/noTemplateCurlyInString: CloudFormation's Fn::Sub syntax
        { 'Fn::Sub': ['${Bus}/${Name}/${Watcher.Arn}/${AWS::Region}', { Name: { Ref: 'X' } }] },
        context,
      ),
    ).toBe('ref-of-Bus/ref-of-X/Arn-of-Watcher/us-east-1');
  });

  it('should keep plain objects and lists, resolving inside them', () => {
    expect(resolveValue({ A: [{ Ref: 'B' }, 1, true], C: { D: 'e' } }, context)).toEqual({
      A: ['ref-of-B', 1, true],
      C: { D: 'e' },
    });
  });

  it('should refuse what it cannot resolve instead of guessing', () => {
    expect(() => resolveValue({ 'Fn::ImportValue': 'x' }, context)).toThrow(
      TemplateResolutionError,
    );
  });
});
