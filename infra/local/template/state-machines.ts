import { TEMPLATE_METADATA } from '../../template-metadata';
import { resolveString, resolveValue } from './intrinsics';
import type { LocalStateMachineSpec } from './local-template';
import { type Resource, type ResourceNames, resourcesOfType } from './resource-names';

/** The state machines with `ami-lifecycle:service` metadata, their definitions substituted. */
export function readStateMachines(
  resources: Record<string, Resource>,
  names: ResourceNames,
): LocalStateMachineSpec[] {
  const { context } = names;
  return resourcesOfType(resources, 'AWS::StepFunctions::StateMachine').flatMap(
    ([logicalId, machine]): LocalStateMachineSpec[] => {
      const service = machine.Metadata?.[TEMPLATE_METADATA.service];
      if (typeof service !== 'string') return [];
      const machineProps = machine.Properties ?? {};
      const substitutions = resolveValue(
        machineProps.DefinitionSubstitutions ?? {},
        context,
      ) as Record<string, unknown>;
      const definitionText = resolveString(
        machineProps.DefinitionString,
        context,
        `${logicalId} DefinitionString`,
      ).replace(/\$\{([^}]+)\}/g, (match, key: string) =>
        key in substitutions ? String(substitutions[key]) : match,
      );
      return [
        {
          logicalId,
          service,
          type: machineProps.StateMachineType === 'EXPRESS' ? 'EXPRESS' : 'STANDARD',
          name: names.physicalName(logicalId),
          arn: names.arn(machine.Type, names.physicalName(logicalId)),
          definition: JSON.parse(definitionText) as Record<string, unknown>,
          ...(machineProps.RoleArn === undefined
            ? {}
            : { roleArn: String(resolveValue(machineProps.RoleArn, context)) }),
        },
      ];
    },
  );
}
