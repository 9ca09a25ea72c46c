import * as z from '../../../events/zod';
import { type JsonOperation, parseInput } from '../endpoint/json-protocol';
import { SsmError } from './errors';
import type { ParameterStore, PutParameterInput } from './parameter-store';

const parameterType = z.enum(['String', 'StringList', 'SecureString']);
const dataType = z.enum(['text', 'aws:ec2:image']);

const putInput = z.object({
  Name: z.string(),
  Value: z.string(),
  Type: z.optional(parameterType),
  DataType: z.optional(z.string()),
  Description: z.optional(z.string().check(z.maxLength(1024))),
  Overwrite: z.optional(z.boolean()),
  AllowedPattern: z.optional(z.string()),
  Tags: z.optional(z.array(z.object({ Key: z.string(), Value: z.string() }))),
  Tier: z.optional(z.enum(['Standard', 'Advanced', 'Intelligent-Tiering'])),
  KeyId: z.optional(z.string()),
  Policies: z.optional(z.string()),
});
const deleteInput = z.object({ Name: z.string() });
const deleteManyInput = z.object({
  Names: z.array(z.string()).check(z.minLength(1), z.maxLength(10)),
});

/** PutParameter, DeleteParameter and DeleteParameters. */
export function writeOperations(store: ParameterStore): Record<string, JsonOperation> {
  return {
    PutParameter(input) {
      const { version } = store.put(putParameterInput(input));
      return { Version: version, Tier: 'Standard' };
    },
    DeleteParameter(input) {
      const request = parseInput(deleteInput, input);
      if (!store.delete(request.Name)) {
        throw new SsmError('ParameterNotFound', `Parameter ${request.Name} not found.`);
      }
      return {};
    },
    DeleteParameters(input) {
      const request = parseInput(deleteManyInput, input);
      const deleted: string[] = [];
      const invalid: string[] = [];
      for (const name of new Set(request.Names))
        (store.delete(name) ? deleted : invalid).push(name);
      return { DeletedParameters: deleted, InvalidParameters: invalid };
    },
  };
}

/** A PutParameter request as the store takes it; what is not emulated is refused, not ignored. */
function putParameterInput(input: unknown): PutParameterInput {
  const request = parseInput(putInput, input);
  if (request.DataType !== undefined && !dataType.safeParse(request.DataType).success) {
    throw new SsmError(
      'ValidationException',
      `The following data type is not supported: ${request.DataType} (Data type names are all lowercase.)`,
    );
  }
  if (request.Tier !== undefined && request.Tier !== 'Standard') {
    throw new SsmError(
      'ValidationException',
      `The ${request.Tier} tier is not emulated locally; use Standard.`,
    );
  }
  if (request.Policies !== undefined) {
    throw new SsmError('ValidationException', 'Parameter policies are not emulated locally.');
  }
  return {
    name: request.Name,
    value: request.Value,
    type: request.Type,
    dataType: request.DataType as z.infer<typeof dataType> | undefined,
    description: request.Description,
    allowedPattern: request.AllowedPattern,
    overwrite: request.Overwrite,
    tags: request.Tags && Object.fromEntries(request.Tags.map((tag) => [tag.Key, tag.Value])),
  };
}
