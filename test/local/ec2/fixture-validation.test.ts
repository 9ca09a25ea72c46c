import { describe, expect, it } from 'vitest';
import { defaultFixture } from '../../../infra/local/default-fixture';
import { parseEc2Fixture } from '../../../infra/local/ec2/fixture';

function problemsOf(input: unknown): string[] {
  const parsed = parseEc2Fixture(input);
  return parsed.success ? [] : parsed.problems;
}

describe('parseEc2Fixture', () => {
  it('should accept the default fixture', () => {
    expect(parseEc2Fixture(defaultFixture(new Date('2025-06-05T12:00:00Z'))).success).toBe(true);
  });

  it('should report every problem, each with its path', () => {
    // Prepare: four unrelated mistakes in one file
    const fixture = {
      instances: [{ name: 'a' }, { name: 'b' }, { name: 'c', tags: { Name: 5 } }],
      images: [{ name: 'x', state: 'ready' }],
      launchTemplates: [{ name: 'lt' }],
      snapshots: [{ volumeSizeGiB: 'big' }],
    };

    // Act
    const problems = problemsOf(fixture);

    // Assess
    expect(problems).toEqual([
      'instances[2].tags.Name: expected string, received number',
      expect.stringMatching(/^images\[0\]\.state: expected one of .*"available"/),
      'snapshots[0].volumeSizeGiB: expected number, received string',
      'launchTemplates[0].versions: expected array, received undefined',
    ]);
  });

  it('should name a misspelt field instead of ignoring it', () => {
    expect(problemsOf({ instance: [{ name: 'a' }], images: [{ name: 'x', tag: {} }] })).toEqual([
      'images[0].tag: unknown field',
      'instance: unknown field',
    ]);
  });

  it('should report ids with the wrong prefix and ids used twice', () => {
    const problems = problemsOf({
      instances: [{ instanceId: 'i-1' }, { instanceId: 'i-1' }, { instanceId: 'ami-2' }],
      images: [{ imageId: 'img-3', name: 'x' }],
    });

    expect(problems).toEqual([
      'instances[1].instanceId: i-1 is used twice',
      'instances[2].instanceId: should start with "i-"',
      'images[0].imageId: should start with "ami-"',
    ]);
  });

  it('should report an image name used twice by one owner and a template without versions', () => {
    const problems = problemsOf({
      images: [{ name: 'x' }, { name: 'x', ownerId: '111122223333' }, { name: 'x' }],
      launchTemplates: [
        { name: 'lt', versions: [] },
        { name: 'lt', versions: [{}] },
      ],
    });

    expect(problems).toEqual([
      'launchTemplates[0].versions: needs at least 1 version',
      'images[2].name: x is used twice by one owner',
      'launchTemplates[1].name: lt is used twice',
    ]);
  });

  it('should say what the whole file is when it is not an object', () => {
    expect(problemsOf([1, 2])).toEqual(['(root): expected object, received array']);
  });
});
