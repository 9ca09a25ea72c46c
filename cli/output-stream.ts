/** Where the CLI writes: process.stdout/stderr, or a collecting fake in tests. */
export interface OutputStream {
  write(text: string): unknown;
  readonly isTTY?: boolean;
}
