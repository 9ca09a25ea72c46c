import type { ActionHandler, Ec2Context } from './context';
import { Ec2Error, missingParameter } from './errors';
import { compileFilters, type FilterFields } from './filters';
import type { Tags } from './model';
import { checkMaxResults, decodeToken, encodeToken } from './pagination';
import type { TaggableResource } from './store';
import { validateTags } from './tag-specifications';

const NOT_FOUND: Record<string, (id: string) => Ec2Error> = {
  ami: (id) => new Ec2Error('InvalidAMIID.NotFound', `The image id '[${id}]' does not exist`),
  i: (id) => new Ec2Error('InvalidInstanceID.NotFound', `The instance ID '${id}' does not exist`),
  snap: (id) => new Ec2Error('InvalidSnapshot.NotFound', `The snapshot '${id}' does not exist.`),
  lt: (id) =>
    new Ec2Error(
      'InvalidLaunchTemplateId.NotFound',
      `The specified launch template, with template ID ${id}, does not exist.`,
    ),
};

/** The resources named by `ResourceId.N`, all checked before any is changed. */
function resources(context: Ec2Context, ids: readonly string[]): TaggableResource[] {
  if (ids.length === 0) throw missingParameter('ResourceId');
  return ids.map((id) => {
    const found = context.store.taggable(id);
    if (found !== undefined) return found;
    const prefix = /^([a-z]+)-[0-9a-f]+$/.exec(id)?.[1];
    const notFound = prefix === undefined ? undefined : NOT_FOUND[prefix];
    if (notFound === undefined) throw new Ec2Error('InvalidID', `The ID '${id}' is not valid`);
    throw notFound(id);
  });
}

export const createTags: ActionHandler = (context, params) => {
  const targets = resources(context, params.list('ResourceId'));
  const tags = params.tags();
  if (Object.keys(tags).length === 0) throw missingParameter('Tag');
  const merged = targets.map((target) => ({ target, tags: { ...target.record.tags, ...tags } }));
  for (const entry of merged) validateTags(entry.tags);
  for (const { target, tags: next } of merged) target.record.tags = next;
  return { return: true };
};

export const deleteTags: ActionHandler = (context, params) => {
  const targets = resources(context, params.list('ResourceId'));
  const keys = params.tagKeys();
  for (const { record } of targets) {
    if (keys.length === 0) {
      record.tags = {};
      continue;
    }
    const next: Tags = { ...record.tags };
    for (const { key, value } of keys) {
      if (Object.hasOwn(next, key) && (value === undefined || next[key] === value))
        delete next[key];
    }
    record.tags = next;
  }
  return { return: true };
};

interface TagEntry {
  resource: TaggableResource;
  key: string;
  value: string;
}

const TAG_FILTERS: FilterFields<TagEntry> = {
  'resource-id': (t) => resourceId(t.resource),
  'resource-type': (t) => t.resource.type,
  key: (t) => t.key,
  value: (t) => t.value,
};

function resourceId(resource: TaggableResource): string {
  switch (resource.type) {
    case 'instance':
      return resource.record.instanceId;
    case 'image':
      return resource.record.imageId;
    case 'snapshot':
      return resource.record.snapshotId;
    case 'launch-template':
      return resource.record.launchTemplateId;
  }
}

/**
 * Pages through (resource, key) pairs in resource sequence order and key order; the token names
 * the last pair returned so tags added or removed meanwhile never shift a page.
 */
export const describeTags: ActionHandler = (context, params) => {
  const filters = params.filters();
  const maxResults = checkMaxResults(params.integer('MaxResults'), 5, 1000) ?? 1000;
  const token = params.string('NextToken');
  const after = token === undefined ? undefined : decodeToken('DescribeTags', token);
  const matches = compileFilters(filters, TAG_FILTERS, (t) => t.resource.record.tags);
  const exactIds = filters.find(
    (f) => f.name === 'resource-id' && !f.values.some((v) => /[*?]/.test(v)),
  );
  const candidates = exactIds
    ? exactIds.values
        .map((id) => context.store.taggable(id))
        .filter((r): r is TaggableResource => r !== undefined)
        .sort((a, b) => a.record.seq - b.record.seq)
    : context.store.allTaggable();
  const items: TagEntry[] = [];
  for (const resource of candidates) {
    if (after !== undefined && resource.record.seq < after.seq) continue;
    for (const key of Object.keys(resource.record.tags).sort()) {
      if (after !== undefined && resource.record.seq === after.seq && key <= (after.key ?? '')) {
        continue;
      }
      const entry = { resource, key, value: resource.record.tags[key] ?? '' };
      if (!matches(entry)) continue;
      if (items.length === maxResults) {
        const last = items[items.length - 1] as TagEntry;
        return {
          tagSet: items.map(renderTag),
          nextToken: encodeToken('DescribeTags', last.resource.record.seq, last.key),
        };
      }
      items.push(entry);
    }
  }
  return { tagSet: items.map(renderTag) };
};

function renderTag(entry: TagEntry) {
  return {
    resourceId: resourceId(entry.resource),
    resourceType: entry.resource.type,
    key: entry.key,
    value: entry.value,
  };
}
