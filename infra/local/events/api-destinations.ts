import { createHash } from 'node:crypto';
import type { ApiDestination } from './http-target';

/** The bus's API destinations, by ARN. */
export class ApiDestinations {
  private readonly byArn = new Map<string, ApiDestination>();

  constructor(
    private readonly region: string,
    private readonly account: string,
  ) {}

  /** Creates or replaces the destination of that name. */
  put({
    name,
    invocationEndpoint,
    httpMethod = 'POST',
  }: {
    name: string;
    invocationEndpoint: string;
    httpMethod?: string;
  }): ApiDestination {
    const destination: ApiDestination = {
      name,
      arn: `arn:aws:events:${this.region}:${this.account}:api-destination/${name}/${nameBasedId(name)}`,
      invocationEndpoint,
      httpMethod,
    };
    for (const [arn, existing] of this.byArn) {
      if (existing.name === name) this.byArn.delete(arn);
    }
    this.byArn.set(destination.arn, destination);
    return destination;
  }

  get(arn: string): ApiDestination | undefined {
    return this.byArn.get(arn);
  }
}

/**
 * AWS gives an API destination a random id; locally it follows from the name, so a destination
 * recreated by the journal at a restart keeps the ARN its targets name.
 */
function nameBasedId(name: string): string {
  const hex = createHash('sha256').update(name).digest('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20, 32)}`;
}
