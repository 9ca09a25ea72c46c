// dynalite ships no types; this declares the part of its API the local cloud uses.
declare module 'dynalite' {
  import type { Server } from 'node:http';

  interface DynaliteOptions {
    /** LevelDB folder; in memory when absent. */
    readonly path?: string;
    /** How long a new table stays CREATING (default 500 ms). */
    readonly createTableMs?: number;
    readonly deleteTableMs?: number;
    readonly updateTableMs?: number;
    readonly maxItemSizeKb?: number;
  }

  /** An HTTP server speaking DynamoDB's JSON 1.0 protocol; `close` also closes the LevelDB. */
  function dynalite(options?: DynaliteOptions): Server;
  export default dynalite;
}
