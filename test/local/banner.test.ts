import { describe, expect, it } from 'vitest';
import { type BannerFacts, runningInstanceNames, startBanner } from '../../infra/local/banner';

const facts: BannerFacts = {
  createAmiUrl: 'http://127.0.0.1:3000/prod/create-ami',
  awsEndpoint: 'http://127.0.0.1:4566',
  region: 'us-east-1',
  eventBusName: 'ami-lifecycle',
  watcherArn: 'arn:aws:states:us-east-1:000000000000:stateMachine:watcher',
  webhooks: 'http://127.0.0.1:9999/',
  stateDir: '.local',
  instances: [],
};

describe('the start banner', () => {
  it('should name running instances once each, in the order EC2 keeps them', () => {
    expect(
      runningInstanceNames([
        { state: 'stopped', tags: { Name: 'old' } },
        { state: 'running', tags: { Name: 'api' } },
        { state: 'running', tags: {} },
        { state: 'running', tags: { Name: 'api' } },
        { state: 'running', tags: { Name: 'worker' } },
      ]),
    ).toEqual(['api', 'worker']);
  });

  it('should quote an instance name with a quote in it for the shell', () => {
    const banner = startBanner({
      ...facts,
      instances: [{ state: 'running', tags: { Name: "bob's-api" } }],
    });

    expect(banner).toContain(`-d '{"instance_name_list":["bob'\\''s-api"]}'`);
  });

  it('should say how to get a name when no running instance has one', () => {
    const banner = startBanner(facts);

    expect(banner).not.toContain('curl');
    expect(banner).toContain('no running instance has a Name tag');
  });
});
