import { type ActionHandler, type Ec2Context, isoTime } from './context';
import { Ec2Error, invalidParameterValue, missingParameter } from './errors';
import { bool, compileFilters, type FilterFields } from './filters';
import { isWellFormedId, newId } from './ids';
import type { LaunchTemplateRecord, LaunchTemplateVersionRecord } from './model';
import { checkMaxResults, page } from './pagination';
import { resolveImageAlias } from './ssm-parameters';
import { tagList } from './store';
import { tagsByResourceType } from './tag-specifications';
import type { XmlObject } from './xml-response';

const NAME_PATTERN = /^[a-zA-Z0-9().\-/_]{3,128}$/;

const TEMPLATE_FILTERS: FilterFields<LaunchTemplateRecord> = {
  'launch-template-name': (t) => t.name,
  'create-time': (t) => t.createTime,
};

interface VersionEntry {
  template: LaunchTemplateRecord;
  version: LaunchTemplateVersionRecord;
}

const VERSION_FILTERS: FilterFields<VersionEntry> = {
  'image-id': (v) => v.version.data.imageId,
  'instance-type': (v) => v.version.data.instanceType,
  'is-default-version': (v) => bool(v.version.versionNumber === v.template.defaultVersion),
  'create-time': (v) => v.version.createTime,
};

/** A template's `depth` newest versions (the ones DescribeImageReferences' `version-depth` checks). */
export function newestVersions(
  template: LaunchTemplateRecord,
  depth: number,
): LaunchTemplateVersionRecord[] {
  return [...template.versions].sort((a, b) => b.versionNumber - a.versionNumber).slice(0, depth);
}

export function latestVersion(template: LaunchTemplateRecord): number {
  return template.versions.reduce((max, v) => Math.max(max, v.versionNumber), 0);
}

function renderTemplate(template: LaunchTemplateRecord): XmlObject {
  return {
    launchTemplateId: template.launchTemplateId,
    launchTemplateName: template.name,
    createTime: template.createTime,
    createdBy: template.createdBy,
    defaultVersionNumber: template.defaultVersion,
    latestVersionNumber: latestVersion(template),
    tagSet: tagList(template.tags),
  };
}

function renderVersion(
  { template, version }: VersionEntry,
  resolveImage: (imageId: string | undefined) => string | undefined,
): XmlObject {
  return {
    launchTemplateId: template.launchTemplateId,
    launchTemplateName: template.name,
    versionNumber: version.versionNumber,
    versionDescription: version.description,
    createTime: version.createTime,
    createdBy: template.createdBy,
    defaultVersion: version.versionNumber === template.defaultVersion,
    launchTemplateData: {
      imageId: resolveImage(version.data.imageId),
      instanceType: version.data.instanceType,
    },
  };
}

function templateNotFoundById(id: string): Ec2Error {
  return new Ec2Error(
    'InvalidLaunchTemplateId.NotFound',
    `The specified launch template, with template ID ${id}, does not exist.`,
  );
}

function templateNotFoundByName(name: string): Ec2Error {
  return new Ec2Error(
    'InvalidLaunchTemplateName.NotFoundException',
    `The specified launch template, with template name ${name}, does not exist.`,
  );
}

function findTemplate(
  context: Ec2Context,
  ref: { id: string | undefined; name: string | undefined },
): LaunchTemplateRecord {
  if (ref.id !== undefined) {
    if (!isWellFormedId('lt', ref.id)) {
      throw new Ec2Error(
        'InvalidLaunchTemplateId.Malformed',
        `The launch template ID '${ref.id}' is malformed.`,
      );
    }
    const template = context.store.launchTemplates.get(ref.id);
    if (template === undefined) throw templateNotFoundById(ref.id);
    return template;
  }
  if (ref.name === undefined) throw missingParameter('LaunchTemplateId or LaunchTemplateName');
  const template = context.store.launchTemplateByName(ref.name);
  if (template === undefined) throw templateNotFoundByName(ref.name);
  return template;
}

function versionNumberOf(template: LaunchTemplateRecord, version: string): number {
  if (version === '$Latest') return latestVersion(template);
  if (version === '$Default') return template.defaultVersion;
  if (!/^\d+$/.test(version)) {
    throw invalidParameterValue(
      `The version '${version}' is not valid: expected a number, $Latest or $Default.`,
    );
  }
  return Number(version);
}

function versionOf(template: LaunchTemplateRecord, version: string): LaunchTemplateVersionRecord {
  const number = versionNumberOf(template, version);
  const found = template.versions.find((v) => v.versionNumber === number);
  if (found === undefined) {
    throw new Ec2Error(
      'InvalidLaunchTemplateId.VersionNotFound',
      `Could not find launch template version ${version} for template ${template.launchTemplateId}`,
    );
  }
  return found;
}

/** The version a RunInstances with `LaunchTemplate` uses (the default version unless named). */
export function resolveLaunchTemplateVersion(
  context: Ec2Context,
  ref: { id: string | undefined; name: string | undefined },
  version: string | undefined,
): LaunchTemplateVersionRecord {
  return versionOf(findTemplate(context, ref), version ?? '$Default');
}

export const createLaunchTemplate: ActionHandler = (context, params) => {
  const name = params.required('LaunchTemplateName');
  if (!NAME_PATTERN.test(name)) {
    throw new Ec2Error(
      'InvalidLaunchTemplateName.MalformedException',
      'A launch template name must be between 3 and 128 characters, and may contain letters, numbers, and the following characters: - ( ) . / _.',
    );
  }
  if (context.store.launchTemplateByName(name) !== undefined) {
    throw new Ec2Error(
      'InvalidLaunchTemplateName.AlreadyExistsException',
      `Launch template name already in use.`,
    );
  }
  const tags = tagsByResourceType(params.tagSpecifications(), ['launch-template']);
  const createTime = isoTime(context.nowMs);
  const template: LaunchTemplateRecord = {
    seq: context.store.nextSeq(),
    launchTemplateId: newId('lt'),
    name,
    createTime,
    createdBy: `arn:aws:iam::${context.accountId}:root`,
    defaultVersion: 1,
    tags: { ...tags.get('launch-template') },
    versions: [
      {
        versionNumber: 1,
        description: params.string('VersionDescription'),
        createTime,
        data: {
          imageId: params.string('LaunchTemplateData.ImageId'),
          instanceType: params.string('LaunchTemplateData.InstanceType'),
        },
      },
    ],
  };
  context.store.addLaunchTemplate(template);
  return { launchTemplate: renderTemplate(template) };
};

export const describeLaunchTemplates: ActionHandler = (context, params) => {
  const ids = params.list('LaunchTemplateId');
  const names = params.list('LaunchTemplateName');
  const maxResults = checkMaxResults(params.integer('MaxResults'), 1, 200);
  const matches = compileFilters(params.filters(), TEMPLATE_FILTERS, (t) => t.tags);
  let source: Iterable<LaunchTemplateRecord> = context.store.launchTemplates.values();
  if (ids.length > 0 || names.length > 0) {
    const selected = new Map<string, LaunchTemplateRecord>();
    for (const id of ids) {
      const template = findTemplate(context, { id, name: undefined });
      selected.set(template.launchTemplateId, template);
    }
    for (const name of names) {
      const template = findTemplate(context, { id: undefined, name });
      selected.set(template.launchTemplateId, template);
    }
    source = [...selected.values()].sort((a, b) => a.seq - b.seq);
  }
  const { items, nextToken } = page(source, matches, {
    action: 'DescribeLaunchTemplates',
    maxResults,
    nextToken: params.string('NextToken'),
  });
  return { launchTemplates: items.map(renderTemplate), nextToken };
};

/**
 * Versions of one template, or — with no template named — the `$Latest` and/or `$Default`
 * versions of every template, which is how a caller finds all AMIs that templates launch.
 */
export const describeLaunchTemplateVersions: ActionHandler = (context, params) => {
  const id = params.string('LaunchTemplateId');
  const name = params.string('LaunchTemplateName');
  const versions = params.list('LaunchTemplateVersion');
  const minVersion = params.integer('MinVersion');
  const maxVersion = params.integer('MaxVersion');
  const maxResults = checkMaxResults(params.integer('MaxResults'), 1, 200);
  const matches = compileFilters(params.filters(), VERSION_FILTERS, (v) => v.template.tags);
  const acrossTemplates = id === undefined && name === undefined;
  if (acrossTemplates) {
    const aliasesOnly =
      versions.length > 0 && versions.every((v) => v === '$Latest' || v === '$Default');
    if (!aliasesOnly) throw missingParameter('LaunchTemplateId or LaunchTemplateName');
  }
  const templates = acrossTemplates
    ? [...context.store.launchTemplates.values()]
    : [findTemplate(context, { id, name })];
  const entries: VersionEntry[] = [];
  for (const template of templates) {
    const chosen =
      versions.length > 0
        ? [...new Set(versions.map((v) => versionOf(template, v)))]
        : template.versions.filter(
            (v) =>
              (minVersion === undefined || v.versionNumber >= minVersion) &&
              (maxVersion === undefined || v.versionNumber <= maxVersion),
          );
    for (const version of [...chosen].sort((a, b) => a.versionNumber - b.versionNumber)) {
      entries.push({ template, version });
    }
  }
  // One number orders (template, version) pairs for the token; EC2 caps versions far below 100,000.
  const ordinal = (entry: VersionEntry) =>
    entry.template.seq * 100_000 + entry.version.versionNumber;
  const paged = page(
    entries.map((entry) => ({ seq: ordinal(entry), entry })),
    (item) => matches(item.entry),
    {
      action: 'DescribeLaunchTemplateVersions',
      maxResults,
      nextToken: params.string('NextToken'),
    },
  );
  // `ResolveAlias` shows the AMI a `resolve:ssm:` alias points at now; one that resolves to
  // nothing is shown as written.
  const resolveAlias = params.boolean('ResolveAlias') ?? false;
  const resolveImage = (imageId: string | undefined) =>
    resolveAlias ? (resolveImageAlias(imageId, context.ssmParameters) ?? imageId) : imageId;
  return {
    launchTemplateVersionSet: paged.items.map((item) => renderVersion(item.entry, resolveImage)),
    nextToken: paged.nextToken,
  };
};
