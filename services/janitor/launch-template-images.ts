import {
  DescribeLaunchTemplatesCommand,
  DescribeLaunchTemplateVersionsCommand,
  type EC2Client,
  type LaunchTemplate,
  type LaunchTemplateVersion,
} from '@aws-sdk/client-ec2';

const TEMPLATE_PAGE_SIZE = 200;
const VERSION_PAGE_SIZE = 200;

/**
 * Every AMI named by a launch template of the account, as image id → `name (lt-…) vN`: the
 * newest `versionDepth` versions of each template, and its default version wherever it is (an
 * Auto Scaling group may use `$Default` or be pinned to any version). `ResolveAlias` turns a
 * `resolve:ssm:` image into the AMI id the parameter holds now.
 */
export async function readLaunchTemplateImages(
  ec2: EC2Client,
  versionDepth: number,
): Promise<Map<string, string>> {
  const used = new Map<string, string>();
  for (const template of await listLaunchTemplates(ec2)) {
    if (template.LaunchTemplateId === undefined) continue;
    const versions = await listVersions(ec2, template.LaunchTemplateId);
    const newestFirst = versions.sort((a, b) => (b.VersionNumber ?? 0) - (a.VersionNumber ?? 0));
    const checked = newestFirst.filter(
      (version, index) =>
        index < versionDepth || version.VersionNumber === template.DefaultVersionNumber,
    );
    for (const version of checked) {
      const imageId = version.LaunchTemplateData?.ImageId;
      if (imageId === undefined || used.has(imageId)) continue;
      used.set(imageId, `${describeTemplate(template)} v${version.VersionNumber ?? '?'}`);
    }
  }
  return used;
}

function describeTemplate(template: LaunchTemplate): string {
  return template.LaunchTemplateName === undefined
    ? `${template.LaunchTemplateId}`
    : `${template.LaunchTemplateName} (${template.LaunchTemplateId})`;
}

async function listLaunchTemplates(ec2: EC2Client): Promise<LaunchTemplate[]> {
  const templates: LaunchTemplate[] = [];
  let nextToken: string | undefined;
  do {
    const page = await ec2.send(
      new DescribeLaunchTemplatesCommand({ MaxResults: TEMPLATE_PAGE_SIZE, NextToken: nextToken }),
    );
    templates.push(...(page.LaunchTemplates ?? []));
    nextToken = page.NextToken;
  } while (nextToken);
  return templates;
}

/** All versions of one template; EC2 does not promise an order, so the caller sorts. */
async function listVersions(
  ec2: EC2Client,
  launchTemplateId: string,
): Promise<LaunchTemplateVersion[]> {
  const versions: LaunchTemplateVersion[] = [];
  let nextToken: string | undefined;
  do {
    const page = await ec2.send(
      new DescribeLaunchTemplateVersionsCommand({
        LaunchTemplateId: launchTemplateId,
        ResolveAlias: true,
        MaxResults: VERSION_PAGE_SIZE,
        NextToken: nextToken,
      }),
    );
    versions.push(...(page.LaunchTemplateVersions ?? []));
    nextToken = page.NextToken;
  } while (nextToken);
  return versions;
}
