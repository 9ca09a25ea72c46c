import { formatPath } from '../../../events/issues';
import * as z from '../../../events/zod';
import { newId } from './ids';
import type {
  ImageRecord,
  InstanceRecord,
  LaunchTemplateRecord,
  SnapshotRecord,
  Tags,
} from './model';
import type { Ec2Store } from './store';

const tags = z.optional(z.record(z.string(), z.string()));
const time = z.optional(
  z.string().check(z.refine((value) => !Number.isNaN(Date.parse(value)), 'an ISO-8601 time')),
);

const instanceSchema = z.strictObject({
  instanceId: z.optional(z.string()),
  /** Shorthand for the `Name` tag. */
  name: z.optional(z.string()),
  tags,
  /** Stable states only; a terminated instance stays visible for the terminated-visible time. */
  state: z.optional(z.enum(['running', 'stopped', 'terminated'])),
  launchTime: time,
  instanceType: z.optional(z.string()),
  imageId: z.optional(z.string()),
  volumes: z.optional(
    z.array(
      z.strictObject({ deviceName: z.optional(z.string()), sizeGiB: z.optional(z.number()) }),
    ),
  ),
});

const imageSnapshotSchema = z.strictObject({
  /** Reusing an id already seeded shares that snapshot between images (EC2 then skips it). */
  snapshotId: z.optional(z.string()),
  deviceName: z.optional(z.string()),
  sizeGiB: z.optional(z.number()),
  /** Defaults to the image's tags, as CreateImage with the same TagSpecification would. */
  tags,
});

const imageSchema = z.strictObject({
  imageId: z.optional(z.string()),
  name: z.string(),
  description: z.optional(z.string()),
  ownerId: z.optional(z.string()),
  ownerAlias: z.optional(z.string()),
  public: z.optional(z.boolean()),
  state: z.optional(
    z.enum(['pending', 'available', 'invalid', 'transient', 'failed', 'error', 'disabled']),
  ),
  creationDate: time,
  /** For a `pending` image: when it becomes available (default: creation + the bake time). */
  availableAt: time,
  tags,
  sourceInstanceId: z.optional(z.string()),
  deregistrationProtection: z.optional(z.boolean()),
  stateReason: z.optional(z.strictObject({ code: z.string(), message: z.string() })),
  /** Accounts the image is shared with (launch permissions by user id). */
  sharedWith: z.optional(
    z.array(z.string().check(z.regex(/^\d{12}$/, { error: 'a 12-digit account id' }))),
  ),
  /** A count of snapshots to make, or their details; default 1. */
  snapshots: z.optional(z.union([z.number(), z.array(imageSnapshotSchema)])),
});

const snapshotSchema = z.strictObject({
  snapshotId: z.optional(z.string()),
  volumeSizeGiB: z.optional(z.number()),
  description: z.optional(z.string()),
  ownerId: z.optional(z.string()),
  state: z.optional(z.enum(['pending', 'completed', 'error'])),
  startTime: time,
  tags,
});

const launchTemplateSchema = z.strictObject({
  launchTemplateId: z.optional(z.string()),
  name: z.string(),
  createTime: time,
  defaultVersion: z.optional(z.number()),
  tags,
  versions: z
    .array(
      z.strictObject({
        imageId: z.optional(z.string()),
        instanceType: z.optional(z.string()),
        description: z.optional(z.string()),
        createTime: time,
      }),
    )
    .check(z.minLength(1, 'needs at least 1 version')),
});

const fixtureFields = z.strictObject({
  instances: z.optional(z.array(instanceSchema)),
  images: z.optional(z.array(imageSchema)),
  snapshots: z.optional(z.array(snapshotSchema)),
  launchTemplates: z.optional(z.array(launchTemplateSchema)),
  /**
   * Actions this EC2 answers with `UnauthorizedOperation`, as for a caller without permission
   * (e.g. `["DescribeImageReferences"]` to exercise a caller's fallback).
   */
  unsupportedActions: z.optional(z.array(z.string())),
});

type FixtureFields = z.output<typeof fixtureFields>;
type FixtureIssue = { path: PropertyKey[]; message: string };

/**
 * What the fixture's fields cannot say alone: ids carry their kind's prefix and are used once,
 * an owner uses an image name once, a launch template name is used once.
 */
function crossFieldIssues(fixture: FixtureFields): FixtureIssue[] {
  const issues: FixtureIssue[] = [];
  const ids = new Set<string>();
  const checkId = (path: PropertyKey[], prefix: string, id: string | undefined) => {
    if (id === undefined) return;
    if (!id.startsWith(`${prefix}-`)) {
      issues.push({ path, message: `should start with "${prefix}-"` });
    } else if (ids.has(id)) {
      issues.push({ path, message: `${id} is used twice` });
    }
    ids.add(id);
  };
  fixture.instances?.forEach((item, index) => {
    checkId(['instances', index, 'instanceId'], 'i', item.instanceId);
  });
  fixture.snapshots?.forEach((item, index) => {
    checkId(['snapshots', index, 'snapshotId'], 'snap', item.snapshotId);
  });
  const imageNames = new Set<string>();
  fixture.images?.forEach((item, index) => {
    checkId(['images', index, 'imageId'], 'ami', item.imageId);
    const key = `${item.ownerId ?? ''}\n${item.name}`;
    if (imageNames.has(key)) {
      issues.push({
        path: ['images', index, 'name'],
        message: `${item.name} is used twice by one owner`,
      });
    }
    imageNames.add(key);
  });
  const templateNames = new Set<string>();
  fixture.launchTemplates?.forEach((item, index) => {
    checkId(['launchTemplates', index, 'launchTemplateId'], 'lt', item.launchTemplateId);
    if (templateNames.has(item.name)) {
      issues.push({
        path: ['launchTemplates', index, 'name'],
        message: `${item.name} is used twice`,
      });
    }
    templateNames.add(item.name);
  });
  return issues;
}

export const ec2FixtureSchema = fixtureFields.check(
  z.superRefine((fixture, context) => {
    for (const issue of crossFieldIssues(fixture)) {
      context.addIssue({ code: 'custom', input: fixture, ...issue });
    }
  }),
);

/**
 * Parses a fixture, answering every problem at once as `path: problem` (e.g.
 * `instances[2].tags.Name: expected string, received number`), so a hand-written file is fixed
 * in one pass.
 */
export function parseEc2Fixture(
  input: unknown,
): { success: true; data: FixtureFields } | { success: false; problems: string[] } {
  const parsed = ec2FixtureSchema.safeParse(input);
  if (parsed.success) return { success: true, data: parsed.data };
  return { success: false, problems: parsed.error.issues.flatMap(describeFixtureIssue) };
}

function describeFixtureIssue(issue: z.core.$ZodIssue): string[] {
  if (issue.code === 'unrecognized_keys') {
    return issue.keys.map((key) => `${formatPath([...issue.path, key])}: unknown field`);
  }
  if (issue.code === 'invalid_value' && issue.values.length > 1) {
    const allowed = issue.values.map((value) => JSON.stringify(value)).join(', ');
    return [`${formatPath(issue.path)}: expected one of ${allowed}`];
  }
  return [`${formatPath(issue.path)}: ${issue.message.replace(/^Invalid input: /, '')}`];
}

/** What `seed()` takes; see README.md in this folder for the format with examples. */
export type Ec2Fixture = z.input<typeof ec2FixtureSchema>;

export interface SeedResult {
  instanceIds: string[];
  imageIds: string[];
  snapshotIds: string[];
  launchTemplateIds: string[];
}

export class Ec2FixtureError extends Error {
  override readonly name = 'Ec2FixtureError';
}

export interface SeedSettings {
  accountId: string;
  nowMs: number;
  bakeMs: number;
  terminatedVisibleMs: number;
  /** Action names `unsupportedActions` may list; a typo would otherwise refuse nothing. */
  knownActions: readonly string[];
}

/**
 * Adds a fixture's records to the store. Everything is validated before anything is added, so
 * a bad fixture changes nothing. Linear in the fixture's size (10,000 images in well under a
 * second).
 */
export function seedStore(store: Ec2Store, input: unknown, settings: SeedSettings): SeedResult {
  const fixture = validFixture(input, settings);
  const seeding = startSeeding(store, settings);
  // Ids are claimed in this order, so that of two records with one id the second is refused.
  const instances = (fixture.instances ?? []).map((item) => fixtureInstance(item, seeding));
  const standalone = (fixture.snapshots ?? []).map((item) => fixtureSnapshot(item, seeding));
  const snapshots = {
    known: new Map(standalone.map((s) => [s.snapshotId, s])),
    ofImages: [] as SnapshotRecord[],
  };
  const names = new Set<string>();
  const images = (fixture.images ?? []).map((item) =>
    fixtureImage(item, seeding, { names, snapshots }),
  );
  const imageSnapshots = snapshots.ofImages;
  const templates = (fixture.launchTemplates ?? []).map((item) =>
    fixtureLaunchTemplate(item, seeding),
  );

  for (const record of instances) store.addInstance({ ...record, seq: store.nextSeq() });
  for (const record of [...standalone, ...imageSnapshots]) {
    record.seq = store.nextSeq();
    store.addSnapshot(record);
  }
  for (const record of images) store.addImage({ ...record, seq: store.nextSeq() });
  for (const record of templates) store.addLaunchTemplate({ ...record, seq: store.nextSeq() });
  for (const action of fixture.unsupportedActions ?? []) store.refusedActions.add(action);
  return {
    instanceIds: instances.map((r) => r.instanceId),
    imageIds: images.map((r) => r.imageId),
    snapshotIds: [...standalone, ...imageSnapshots].map((r) => r.snapshotId),
    launchTemplateIds: templates.map((r) => r.launchTemplateId),
  };
}

type FixtureItem<Key extends keyof FixtureFields> = NonNullable<FixtureFields[Key]>[number];

/** What every record of one seeding shares: the store, the settings, its time and its ids. */
interface Seeding {
  readonly store: Ec2Store;
  readonly settings: SeedSettings;
  /** The seeding's time, ISO-8601: the default of every date the fixture leaves out. */
  readonly now: string;
  /** The fixture's id, or a new one, after checking its prefix and that it is not used yet. */
  claim(prefix: string, id: string | undefined): string;
}

function validFixture(input: unknown, settings: SeedSettings): FixtureFields {
  const parsed = parseEc2Fixture(input);
  if (!parsed.success)
    throw new Ec2FixtureError(`Invalid EC2 fixture: ${parsed.problems.join('; ')}`);
  const fixture = parsed.data;
  const unknownAction = fixture.unsupportedActions?.find(
    (action) => !settings.knownActions.includes(action),
  );
  if (unknownAction !== undefined) {
    throw new Ec2FixtureError(
      `Fixture unsupportedActions names an unknown action ${unknownAction}`,
    );
  }
  return fixture;
}

function startSeeding(store: Ec2Store, settings: SeedSettings): Seeding {
  const ids = new Set<string>();
  return {
    store,
    settings,
    now: new Date(settings.nowMs).toISOString(),
    claim(prefix, id) {
      const chosen = id ?? newId(prefix);
      if (!chosen.startsWith(`${prefix}-`)) {
        throw new Ec2FixtureError(`Fixture id ${chosen} should start with "${prefix}-"`);
      }
      if (ids.has(chosen) || store.taggable(chosen) !== undefined) {
        throw new Ec2FixtureError(`Fixture id ${chosen} is used twice`);
      }
      ids.add(chosen);
      return chosen;
    },
  };
}

function fixtureInstance(item: FixtureItem<'instances'>, seeding: Seeding): InstanceRecord {
  const { settings, now } = seeding;
  const instanceTags: Tags = { ...item.tags };
  if (item.name !== undefined) instanceTags.Name = item.name;
  const state = item.state ?? 'running';
  return {
    seq: 0,
    instanceId: seeding.claim('i', item.instanceId),
    reservationId: newId('r'),
    imageId: item.imageId ?? 'ami-00000000000000000',
    instanceType: item.instanceType ?? 't3.micro',
    state,
    ...(state === 'terminated'
      ? { vanishAtMs: settings.nowMs + settings.terminatedVisibleMs }
      : {}),
    launchTime: item.launchTime ?? now,
    tags: instanceTags,
    volumes: (item.volumes ?? [{}]).map((volume, index) => ({
      deviceName: volume.deviceName ?? deviceName(index),
      volumeId: newId('vol'),
      sizeGiB: volume.sizeGiB ?? 8,
    })),
  };
}

function fixtureSnapshot(item: FixtureItem<'snapshots'>, seeding: Seeding): SnapshotRecord {
  const { settings, now } = seeding;
  return {
    seq: 0,
    snapshotId: seeding.claim('snap', item.snapshotId),
    volumeId: newId('vol'),
    volumeSizeGiB: item.volumeSizeGiB ?? 8,
    ownerId: item.ownerId ?? settings.accountId,
    description: item.description ?? '',
    state: item.state ?? 'completed',
    startTime: item.startTime ?? now,
    ...(item.state === 'completed' || item.state === undefined
      ? { completionTime: item.startTime ?? now }
      : {}),
    progress: item.state === 'pending' ? 0 : 100,
    tags: { ...item.tags },
  };
}

/** The snapshots images may refer to (by id), and those made for the fixture's images. */
interface ImageSnapshots {
  readonly known: Map<string, SnapshotRecord>;
  readonly ofImages: SnapshotRecord[];
}

function fixtureImage(
  item: FixtureItem<'images'>,
  seeding: Seeding,
  { names, snapshots }: { names: Set<string>; snapshots: ImageSnapshots },
): ImageRecord {
  const imageId = seeding.claim('ami', item.imageId);
  const ownerId = item.ownerId ?? seeding.settings.accountId;
  const nameKey = `${ownerId}\n${item.name}`;
  if (names.has(nameKey) || seeding.store.imageByName(ownerId, item.name) !== undefined) {
    throw new Ec2FixtureError(`Fixture image name ${item.name} is used twice by ${ownerId}`);
  }
  names.add(nameKey);
  const creationDate = item.creationDate ?? seeding.now;
  const createdMs = Date.parse(creationDate);
  const state = item.state ?? 'available';
  const bake =
    state === 'pending'
      ? {
          startMs: createdMs,
          endMs: item.availableAt
            ? Date.parse(item.availableAt)
            : createdMs + seeding.settings.bakeMs,
          outcome: 'available' as const,
        }
      : undefined;
  const image = { item, imageId, ownerId, creationDate, baking: bake !== undefined };
  return {
    seq: 0,
    imageId,
    name: item.name,
    description: item.description,
    ownerId,
    ownerAlias: item.ownerAlias,
    public: item.public ?? false,
    state,
    creationDate,
    tags: { ...item.tags },
    blockDevices: imageBlockDevices(image, seeding, snapshots),
    sourceInstanceId: item.sourceInstanceId,
    deregistrationProtection: item.deregistrationProtection ? 'enabled' : 'disabled',
    ...(item.sharedWith && item.sharedWith.length > 0
      ? { sharedWith: [...new Set(item.sharedWith)] }
      : {}),
    stateReason:
      item.stateReason ??
      (state === 'failed'
        ? { code: 'Server.InternalError', message: 'Internal error' }
        : undefined),
    bake,
  };
}

/** An image's block devices: snapshots the fixture has already, or new ones made for it. */
function imageBlockDevices(
  image: {
    item: FixtureItem<'images'>;
    imageId: string;
    ownerId: string;
    creationDate: string;
    baking: boolean;
  },
  seeding: Seeding,
  snapshots: ImageSnapshots,
): ImageRecord['blockDevices'] {
  const { item, imageId, ownerId, creationDate, baking } = image;
  const specs =
    typeof item.snapshots === 'number'
      ? Array.from({ length: item.snapshots }, () => ({}) as z.infer<typeof imageSnapshotSchema>)
      : (item.snapshots ?? [{}]);
  return specs.map((spec, index) => {
    const sizeGiB = spec.sizeGiB ?? 8;
    const shared = spec.snapshotId === undefined ? undefined : snapshots.known.get(spec.snapshotId);
    if (shared !== undefined) {
      return {
        deviceName: spec.deviceName ?? deviceName(index),
        snapshotId: shared.snapshotId,
        sizeGiB,
      };
    }
    const snapshot: SnapshotRecord = {
      seq: 0,
      snapshotId: seeding.claim('snap', spec.snapshotId),
      volumeId: newId('vol'),
      volumeSizeGiB: sizeGiB,
      ownerId,
      description: `Created by CreateImage(${item.sourceInstanceId ?? 'i-00000000000000000'}) for ${imageId}`,
      state: baking ? 'pending' : 'completed',
      startTime: creationDate,
      progress: baking ? 0 : 100,
      tags: { ...(spec.tags ?? item.tags) },
      ...(baking ? { bakingFor: imageId } : { completionTime: creationDate }),
    };
    snapshots.known.set(snapshot.snapshotId, snapshot);
    snapshots.ofImages.push(snapshot);
    return {
      deviceName: spec.deviceName ?? deviceName(index),
      snapshotId: snapshot.snapshotId,
      sizeGiB,
    };
  });
}

function fixtureLaunchTemplate(
  item: FixtureItem<'launchTemplates'>,
  seeding: Seeding,
): LaunchTemplateRecord {
  if (item.versions.length === 0) {
    throw new Ec2FixtureError(`Fixture launch template ${item.name} needs at least one version`);
  }
  if (seeding.store.launchTemplateByName(item.name) !== undefined) {
    throw new Ec2FixtureError(`Fixture launch template name ${item.name} is used twice`);
  }
  const createTime = item.createTime ?? seeding.now;
  return {
    seq: 0,
    launchTemplateId: seeding.claim('lt', item.launchTemplateId),
    name: item.name,
    createTime,
    createdBy: `arn:aws:iam::${seeding.settings.accountId}:root`,
    defaultVersion: item.defaultVersion ?? 1,
    tags: { ...item.tags },
    versions: item.versions.map((version, index) => ({
      versionNumber: index + 1,
      description: version.description,
      createTime: version.createTime ?? createTime,
      data: { imageId: version.imageId, instanceType: version.instanceType },
    })),
  };
}

/** `/dev/xvda` for the root volume, then `/dev/sdb`, `/dev/sdc`, ... as the console names them. */
function deviceName(index: number): string {
  return index === 0 ? '/dev/xvda' : `/dev/sd${String.fromCharCode(97 + index)}`;
}
