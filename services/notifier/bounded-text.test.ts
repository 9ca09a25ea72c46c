import { describe, expect, it } from 'vitest';
import { boundLines, truncateText } from './bounded-text';

const limits = { maxLines: 100, maxChars: 60, maxLineChars: 40, separator: '\n' };

describe('boundLines', () => {
  it('should keep every line when they fit', () => {
    expect(boundLines(['a', 'b', 'c'], limits)).toEqual(['a', 'b', 'c']);
  });

  it('should stop at the character limit and count what was left out', () => {
    const lines = Array.from({ length: 50 }, (_, i) => `line ${String(i).padStart(2, '0')}`);
    const kept = boundLines(lines, limits);
    expect(kept.join('\n').length).toBeLessThanOrEqual(60);
    const more = kept.at(-1);
    expect(more).toMatch(/^…and \d+ more$/);
    expect(kept.length - 1 + Number(more?.match(/\d+/)?.[0])).toBe(50);
  });

  it('should stop at the line limit', () => {
    expect(boundLines(['a', 'b', 'c', 'd'], { ...limits, maxLines: 2 })).toEqual([
      'a',
      'b',
      '…and 2 more',
    ]);
  });

  it('should cut a single overlong line instead of dropping it', () => {
    const [line] = boundLines(['x'.repeat(500)], limits);
    expect(line).toHaveLength(40);
    expect(line?.endsWith('…')).toBe(true);
  });
});

describe('truncateText', () => {
  it('should never split an emoji', () => {
    expect(truncateText('ab😀cd', 4)).toBe('ab…');
  });
});
