import { existsSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Ec2Service } from '../ec2';
import type { LocalSqs } from '../sqs/local-sqs';
import type { SsmService } from '../ssm';

/** Where each part of the local cloud keeps its state, under one folder. */
export interface StatePaths {
  readonly stateDir: string;
  readonly logs: string;
  readonly ec2: string;
  readonly ssm: string;
  readonly executions: string;
  readonly events: string;
  readonly deadLetters: string;
  readonly dynamodb: string;
  readonly sqs: string;
  /** The bus's write-ahead journal: accepted events and their pending deliveries. */
  readonly eventDeliveries: string;
  /** Rule and target changes made over the API, replayed on top of the template's. */
  readonly ruleChanges: string;
  /** Where the webhook sink and relays listen, so that they keep their URLs (webhook-ports.ts). */
  readonly webhookPorts: string;
}

/** Makes the state folder (emptied first on `reset`) and names what goes in it. */
export function prepareStateDir(stateDir: string, reset: boolean): StatePaths {
  if (reset) rmSync(stateDir, { recursive: true, force: true });
  const logs = join(stateDir, 'logs');
  mkdirSync(logs, { recursive: true });
  return {
    stateDir,
    logs,
    ec2: join(stateDir, 'ec2.json'),
    ssm: join(stateDir, 'ssm.json'),
    executions: join(stateDir, 'executions.json'),
    events: join(stateDir, 'events.jsonl'),
    deadLetters: join(stateDir, 'dead-letters.jsonl'),
    dynamodb: join(stateDir, 'dynamodb'),
    sqs: join(stateDir, 'sqs.json'),
    eventDeliveries: join(stateDir, 'event-deliveries.jsonl'),
    ruleChanges: join(stateDir, 'event-rule-changes.jsonl'),
    webhookPorts: join(stateDir, 'webhook-ports.json'),
  };
}

/** The state saved at the last stop (or periodic save), if any; its service checks its shape. */
export function readSavedState<State>(path: string): State | undefined {
  return existsSync(path) ? (JSON.parse(readFileSync(path, 'utf8')) as State) : undefined;
}

/** The in-memory services whose state is written to files (DynamoDB and executions save their own). */
export interface SavedServices {
  readonly ec2: Ec2Service;
  readonly ssm: SsmService;
  readonly sqs: LocalSqs;
}

export function saveState(paths: StatePaths, services: SavedServices): void {
  writeAtomically(paths.ec2, JSON.stringify(services.ec2.snapshotState()));
  writeAtomically(paths.ssm, JSON.stringify(services.ssm.snapshotState()));
  services.sqs.save();
}

/** Saves every 2 s, so a process killed outright loses at most the last 2 s. */
export function startPeriodicSaves(save: () => void): NodeJS.Timeout {
  return setInterval(save, 2_000);
}

// A reader (the next start) never sees a half-written file.
function writeAtomically(path: string, text: string): void {
  writeFileSync(`${path}.tmp`, text);
  renameSync(`${path}.tmp`, path);
}
