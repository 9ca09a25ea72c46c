import type { QueryParams } from './query-params';
import type { SsmParameterLookup } from './ssm-parameters';
import type { Ec2Store } from './store';
import type { XmlObject } from './xml-response';

/** What an action handler sees: the store, the request's instant and the account's settings. */
export interface Ec2Context {
  readonly store: Ec2Store;
  /** The emulator clock at the request, epoch ms; every time a request writes comes from it. */
  readonly nowMs: number;
  readonly accountId: string;
  readonly region: string;
  readonly bakeMs: number;
  readonly instanceTransitionMs: number;
  /** Parameter Store, for `resolve:ssm:` aliases and parameters referencing images. */
  readonly ssmParameters: SsmParameterLookup | undefined;
}

export type ActionHandler = (context: Ec2Context, params: QueryParams) => XmlObject;

export const isoTime = (ms: number): string => new Date(ms).toISOString();
