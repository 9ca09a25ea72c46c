/**
 * The seed system's state machine (`step_functions.json` in the seed's README), as data. One
 * change: the seed's Resource is the placeholder "ami_notifier Lambda ARN", replaced here by a
 * function ARN so the definition validates; the bench answers that Task with a local handler.
 *
 * The seed's Task has no ResultPath, so its output replaces the item's state: the next check gets
 * only what the function returned. `ami_notifier.py` therefore has to return the AMI id beside
 * `ami_state` for the loop to check the same AMI again; the local handler does.
 */
export const SEED_CHECK_STATE = 'CheckAmiState';
export const SEED_NOTIFIER_ARN = 'arn:aws:lambda:us-east-1:123456789012:function:ami_notifier';

export const SEED_WATCHER_DEFINITION = {
  StartAt: 'MapAMIList',
  States: {
    MapAMIList: {
      Type: 'Map',
      ItemsPath: '$.ami_ids',
      Parameters: {
        'ami_id.$': '$$.Map.Item.Value',
      },
      Iterator: {
        StartAt: 'Wait60Seconds',
        States: {
          Wait60Seconds: {
            Type: 'Wait',
            Seconds: 60,
            Next: SEED_CHECK_STATE,
          },
          [SEED_CHECK_STATE]: {
            Type: 'Task',
            Resource: SEED_NOTIFIER_ARN,
            Next: 'AMIReady?',
          },
          'AMIReady?': {
            Type: 'Choice',
            Choices: [
              {
                Variable: '$.ami_state',
                StringEquals: 'available',
                Next: 'Success',
              },
            ],
            Default: 'Wait60Seconds',
          },
          Success: {
            Type: 'Succeed',
          },
        },
      },
      Next: 'AllDone',
    },
    AllDone: {
      Type: 'Succeed',
    },
  },
} as const;
