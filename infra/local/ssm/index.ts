export { SsmError } from './errors';
export type { ParameterRecord, SsmState } from './parameter-store';
export { createSsmService, type SsmService, type SsmServiceOptions } from './service';
