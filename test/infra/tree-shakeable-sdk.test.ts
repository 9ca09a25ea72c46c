import { describe, expect, it } from 'vitest';
import { withLiteralKeys } from '../../infra/constructs/tree-shakeable-sdk';

describe('withLiteralKeys', () => {
  it('should turn computed keys naming string constants into literal keys', () => {
    const source = [
      'const _xN = "xmlName";',
      'const _q = "say \\"hi\\"";',
      'export var A$ = [3, n0, _A, 0, [_I], [[0, { [_xN]: _I }]]];',
      'export var B$ = [3, n0, _B, 0, [_I], [[0, { [_q]: _I, [_other]: 1 }]]];',
    ].join('\n');
    expect(withLiteralKeys(source)).toBe(
      [
        'const _xN = "xmlName";',
        'const _q = "say \\"hi\\"";',
        'export var A$ = [3, n0, _A, 0, [_I], [[0, { "xmlName": _I }]]];',
        // A key whose constant is not a string literal of this module stays computed.
        'export var B$ = [3, n0, _B, 0, [_I], [[0, { "say \\"hi\\"": _I, [_other]: 1 }]]];',
      ].join('\n'),
    );
  });
});
