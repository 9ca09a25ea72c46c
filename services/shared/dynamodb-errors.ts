/** DynamoDB refused a write because its condition did not hold (SDK v3 names errors by code). */
export function isConditionFailure(error: unknown): boolean {
  return error instanceof Error && error.name === 'ConditionalCheckFailedException';
}
