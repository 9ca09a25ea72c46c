/** What the driver process reports about one invocation of the janitor. */
export interface InvocationRecord {
  /** Epoch milliseconds, comparable with the bench process's clock. */
  readonly startedAt: number;
  readonly endedAt: number;
  /** The batch's result, or absent when it threw. */
  readonly result?: {
    readonly purged: number;
    /** True on the batch that ended the run. */
    readonly done: boolean;
  };
  readonly error?: string;
}

/** What the driver process writes when the run is over. */
export interface PurgeRunRecord {
  readonly invocations: readonly InvocationRecord[];
  /** Image ids the AmiPurged parts list as purged, in report order. */
  readonly reportedPurged: readonly string[];
  /** Entries of the AmiPurged parts that say an image failed. */
  readonly reportedFailed: number;
  /** Part numbers of the AmiPurged events, in publishing order, and whether the last says final. */
  readonly parts: readonly number[];
  readonly finalPartSeen: boolean;
  /** Snapshot results of the purged entries, by result code. */
  readonly snapshotResults: Readonly<Record<string, number>>;
  /** The process's peak resident set size (`VmHWM`, see `peakRssMiB`), in MiB. */
  readonly peakRssMiB: number;
  readonly peakHeapMiB: number;
}
