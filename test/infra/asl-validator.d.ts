// asl-validator ships no type declarations; this is the part of its API the tests use.
declare module 'asl-validator' {
  interface ValidationResult {
    readonly isValid: boolean;
    readonly errorsText: (separator?: string) => string;
  }
  const validator: (
    definition: unknown,
    options?: { checkPaths?: boolean; checkArn?: boolean },
  ) => ValidationResult;
  export default validator;
}
