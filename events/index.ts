// The public face of ami-lifecycle's events: contracts, parsing and the typed publisher.
export * from './ami-available.v1';
export * from './ami-created.v1';
export * from './ami-failed.v1';
export * from './ami-purge-requested.v1';
export * from './ami-purged.v1';
export * from './ami-requested.v1';
export * from './announcer-input';
export * from './catalog';
export * from './contract';
export * from './fields';
export * from './publish';
export * from './watcher-input';
