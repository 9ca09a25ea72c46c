import type { LocalRequest } from '../protocol';
import type { ActionHandler } from './context';
import { Ec2Error } from './errors';
import { describeImageAttribute, modifyImageAttribute } from './image-attributes';
import { describeImageReferences } from './image-references';
import {
  createImage,
  deregisterImage,
  describeImages,
  disableImageDeregistrationProtection,
  enableImageDeregistrationProtection,
} from './images';
import {
  describeInstances,
  runInstances,
  startInstances,
  stopInstances,
  terminateInstances,
} from './instances';
import {
  createLaunchTemplate,
  describeLaunchTemplates,
  describeLaunchTemplateVersions,
} from './launch-templates';
import { QueryParams } from './query-params';
import { deleteSnapshot, describeSnapshots } from './snapshots';
import { createTags, deleteTags, describeTags } from './tags';

const ACTIONS: Readonly<Record<string, ActionHandler>> = {
  RunInstances: runInstances,
  StartInstances: startInstances,
  StopInstances: stopInstances,
  TerminateInstances: terminateInstances,
  DescribeInstances: describeInstances,
  CreateImage: createImage,
  DescribeImages: describeImages,
  DeregisterImage: deregisterImage,
  DescribeImageAttribute: describeImageAttribute,
  ModifyImageAttribute: modifyImageAttribute,
  DescribeImageReferences: describeImageReferences,
  EnableImageDeregistrationProtection: enableImageDeregistrationProtection,
  DisableImageDeregistrationProtection: disableImageDeregistrationProtection,
  DescribeSnapshots: describeSnapshots,
  DeleteSnapshot: deleteSnapshot,
  CreateTags: createTags,
  DeleteTags: deleteTags,
  DescribeTags: describeTags,
  CreateLaunchTemplate: createLaunchTemplate,
  DescribeLaunchTemplates: describeLaunchTemplates,
  DescribeLaunchTemplateVersions: describeLaunchTemplateVersions,
};

export const SUPPORTED_ACTIONS: readonly string[] = Object.keys(ACTIONS);

export interface RoutedRequest {
  readonly action: string;
  readonly handler: ActionHandler;
  readonly params: QueryParams;
}

/**
 * The action a Query request names (from the query string of a GET, else the form body) and its
 * handler; a missing or unknown action is the error EC2 answers, before anything is counted.
 */
export function routeRequest(request: LocalRequest): RoutedRequest | Ec2Error {
  const query = request.path.includes('?') ? request.path.slice(request.path.indexOf('?') + 1) : '';
  const params = new QueryParams(request.method === 'GET' ? query : request.body);
  const action = params.action;
  if (action === undefined || action === '') {
    return new Ec2Error('MissingAction', 'The request must contain the parameter Action');
  }
  const handler = Object.hasOwn(ACTIONS, action) ? ACTIONS[action] : undefined;
  if (handler === undefined) {
    return new Ec2Error('InvalidAction', `The action ${action} is not valid for this web service.`);
  }
  return { action, handler, params };
}
