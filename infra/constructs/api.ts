import { Duration, RemovalPolicy } from 'aws-cdk-lib';
import * as apigateway from 'aws-cdk-lib/aws-apigateway';
import type * as events from 'aws-cdk-lib/aws-events';
import * as logs from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';
import { acknowledge } from '../nag';
import type { Settings } from '../settings';
import type { RequestLedger } from './request-ledger';
import { ServiceFunction } from './service-function';

export interface ApiProps {
  readonly bus: events.IEventBus;
  /** Names are recorded there when requested; the status routes read it. */
  readonly ledger: RequestLedger;
  readonly authorization: Settings['apiAuthorization'];
  readonly rateLimit: number;
  readonly burstLimit: number;
  readonly createCloudWatchRole: boolean;
  readonly logRetention: logs.RetentionDays;
}

/**
 * The seed's endpoint, `POST /prod/create-ami`, in front of the api function, which answers 202
 * once EventBridge accepted AmiRequested, and the status routes `GET /prod/requests/{requestId}`
 * and `GET /prod/requests?instanceName=NAME&limit=N`, read from the request ledger. Every route
 * has the same authorisation: IAM (SigV4) unless configured otherwise.
 */
export class Api extends Construct {
  readonly function: ServiceFunction;
  readonly restApi: apigateway.RestApi;
  readonly createAmiUrl: string;
  readonly apiKey?: apigateway.IApiKey;

  constructor(scope: Construct, id: string, props: ApiProps) {
    super(scope, id);
    this.function = new ServiceFunction(this, 'Service', {
      service: 'api',
      description: 'ami-lifecycle: POST /create-ami → AmiRequested; GET /requests',
      environment: {
        EVENT_BUS_NAME: props.bus.eventBusName,
        LEDGER_TABLE_NAME: props.ledger.table.tableName,
      },
      timeout: Duration.seconds(10),
      logRetention: props.logRetention,
      invokedAsynchronously: false,
    });
    props.bus.grantPutEventsTo(this.function.role);
    props.ledger.grantAcceptAndRead(this.function.role);

    const accessLogs = new logs.LogGroup(this, 'AccessLogs', {
      retention: props.logRetention,
      removalPolicy: RemovalPolicy.DESTROY,
    });
    this.restApi = new apigateway.RestApi(this, 'RestApi', {
      description: 'ami-lifecycle: create deploy AMIs',
      endpointTypes: [apigateway.EndpointType.REGIONAL],
      cloudWatchRole: props.createCloudWatchRole,
      deployOptions: {
        stageName: 'prod',
        accessLogDestination: new apigateway.LogGroupLogDestination(accessLogs),
        accessLogFormat: apigateway.AccessLogFormat.jsonWithStandardFields(),
        loggingLevel: apigateway.MethodLoggingLevel.ERROR,
        metricsEnabled: true,
        tracingEnabled: true,
        throttlingRateLimit: props.rateLimit,
        throttlingBurstLimit: props.burstLimit,
      },
    });
    // The gateway rejects what is not a JSON object; the function names each bad field.
    const requestModel = this.restApi.addModel('CreateAmiRequest', {
      contentType: 'application/json',
      schema: {
        schema: apigateway.JsonSchemaVersion.DRAFT4,
        title: 'CreateAmiRequest',
        type: apigateway.JsonSchemaType.OBJECT,
      },
    });
    this.restApi.addGatewayResponse('BadRequestBody', {
      type: apigateway.ResponseType.BAD_REQUEST_BODY,
      templates: {
        'application/json':
          // The same shape as the function's own 400 answers, so clients read one format.
          '{"message": "Invalid request", "errors": [{"field": "body", "message": "must be a JSON object: $context.error.validationErrorString"}]}',
      },
    });
    const integration = new apigateway.LambdaIntegration(this.function.function);
    const authorization = {
      authorizationType:
        props.authorization === 'iam'
          ? apigateway.AuthorizationType.IAM
          : apigateway.AuthorizationType.NONE,
      apiKeyRequired: props.authorization === 'api-key',
    };
    const createAmi = this.restApi.root.addResource('create-ami');
    createAmi.addMethod('POST', integration, {
      ...authorization,
      requestValidator: new apigateway.RequestValidator(this, 'BodyValidator', {
        restApi: this.restApi,
        validateRequestBody: true,
        validateRequestParameters: true,
      }),
      requestModels: { 'application/json': requestModel },
    });
    this.createAmiUrl = this.restApi.urlForPath(createAmi.path);
    // The function validates the id and the query and answers 400 naming the field.
    const requests = this.restApi.root.addResource('requests');
    requests.addMethod('GET', integration, authorization);
    requests.addResource('{requestId}').addMethod('GET', integration, authorization);

    if (props.authorization === 'api-key') {
      this.apiKey = this.restApi.addApiKey('ApiKey', { description: 'ami-lifecycle callers' });
      this.restApi
        .addUsagePlan('UsagePlan', {
          throttle: { rateLimit: props.rateLimit, burstLimit: props.burstLimit },
          apiStages: [{ stage: this.restApi.deploymentStage }],
        })
        .addApiKey(this.apiKey);
    }

    this.suppressFindings(props);
  }

  private suppressFindings(props: ApiProps): void {
    const suppressions = [
      {
        id: 'AwsSolutions-APIG3',
        reason:
          'Authorised, throttled methods whose function validates every input; attach an account-level WAF web ACL where the API faces untrusted networks.',
      },
      {
        id: 'AwsSolutions-COG4',
        reason:
          props.authorization === 'iam'
            ? 'Callers are AWS principals authorised with SigV4 (AWS_IAM), not Cognito users.'
            : `Authorisation mode "${props.authorization}" was chosen explicitly in the settings.`,
      },
    ];
    if (props.createCloudWatchRole) {
      suppressions.push({
        id: 'AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AmazonAPIGatewayPushToCloudWatchLogs]',
        reason:
          "AmazonAPIGatewayPushToCloudWatchLogs is AWS's documented policy for API Gateway's account-level logging role.",
      });
    }
    if (props.authorization !== 'iam') {
      suppressions.push({
        id: 'AwsSolutions-APIG4',
        reason: `Authorisation mode "${props.authorization}" was chosen explicitly in the settings (the default is AWS_IAM).`,
      });
    }
    for (const { id, reason } of suppressions) acknowledge(this.restApi, id, reason);
  }
}
