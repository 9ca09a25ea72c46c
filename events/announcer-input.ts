import { AmiFailedV1 } from './ami-failed.v1';
import * as z from './zod';

/**
 * Input of one announcer execution, started by the creator for one failed name: the whole
 * `AmiFailed` detail, built and checked against its contract by the creator. The state machine
 * publishes it and marks the name's ledger item published.
 *
 * The creator publishes no terminal event itself: Step Functions answers a repeated
 * StartExecution of the same name by returning the existing execution, so a delivery repeated
 * after a crash hands the same failure to the same execution instead of publishing it again.
 */
export const announcerInputSchema = z.object({
  detail: AmiFailedV1.detail,
});

export type AnnouncerInput = z.output<typeof announcerInputSchema>;
