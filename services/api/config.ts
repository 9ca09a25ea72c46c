import * as z from '../../events/zod';
import { env, parseConfig } from '../shared/config';

const apiEnvironment = z.object({
  /** The bus AmiRequested is published to. */
  EVENT_BUS_NAME: env.required(),
  /** The request ledger's DynamoDB table. */
  LEDGER_TABLE_NAME: env.required(),
});

export interface ApiConfig {
  readonly eventBusName: string;
  readonly ledgerTableName: string;
}

/** Read once at cold start; throws `ConfigurationError` naming each missing variable. */
export function loadApiConfig(
  environment: Record<string, string | undefined> = process.env,
): ApiConfig {
  const parsed = parseConfig('api', apiEnvironment, environment);
  return { eventBusName: parsed.EVENT_BUS_NAME, ledgerTableName: parsed.LEDGER_TABLE_NAME };
}
