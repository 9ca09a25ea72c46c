import type { APIGatewayProxyEvent, Context } from 'aws-lambda';

/** The body the seed system's README sends, byte for byte. */
export const SEED_BODY = `{
  "instance_name_list": ["service-api", "service-worker"]
}`;

export const CALLER_ARN = 'arn:aws:sts::123456789012:assumed-role/deployer/release-pipeline';

interface EventOptions {
  readonly body?: string | null;
  readonly method?: string;
  readonly headers?: Record<string, string>;
  readonly isBase64Encoded?: boolean;
  readonly userArn?: string | null;
  /** Set when the stage requires an API key: API Gateway then names the key that was used. */
  readonly apiKeyId?: string | null;
}

/** `POST /prod/create-ami` as API Gateway's REST proxy integration delivers it, IAM-signed. */
export function createAmiEvent({
  body = SEED_BODY,
  method = 'POST',
  headers = { 'Content-Type': 'application/json' },
  isBase64Encoded = false,
  userArn = CALLER_ARN,
  apiKeyId = null,
}: EventOptions = {}): APIGatewayProxyEvent {
  const allHeaders: Record<string, string> = {
    Accept: '*/*',
    Authorization:
      'AWS4-HMAC-SHA256 Credential=ASIAEXAMPLEEXAMPLE/20250605/us-east-1/execute-api/aws4_request, SignedHeaders=content-type;host;x-amz-date;x-amz-security-token, Signature=0000000000000000000000000000000000000000000000000000000000000000',
    Host: 'a1b2c3d4e5.execute-api.us-east-1.amazonaws.com',
    'User-Agent': 'curl/8.5.0',
    'X-Amz-Date': '20250605T120000Z',
    'X-Amzn-Trace-Id': 'Root=1-68418a40-0123456789abcdef01234567',
    'X-Forwarded-For': '203.0.113.10',
    'X-Forwarded-Port': '443',
    'X-Forwarded-Proto': 'https',
    ...headers,
  };
  return {
    resource: '/create-ami',
    path: '/create-ami',
    httpMethod: method,
    headers: allHeaders,
    multiValueHeaders: Object.fromEntries(
      Object.entries(allHeaders).map(([name, value]) => [name, [value]]),
    ),
    queryStringParameters: null,
    multiValueQueryStringParameters: null,
    pathParameters: null,
    stageVariables: null,
    requestContext: {
      resourceId: 'x1y2z3',
      resourcePath: '/create-ami',
      httpMethod: method,
      extendedRequestId: 'LmN0pQrStUvWxYz=',
      requestTime: '05/Jun/2025:12:00:00 +0000',
      path: '/prod/create-ami',
      accountId: '123456789012',
      protocol: 'HTTP/1.1',
      stage: 'prod',
      domainPrefix: 'a1b2c3d4e5',
      requestTimeEpoch: 1749124800000,
      requestId: 'c6af9ac6-7b61-11e6-9a41-93e8deadbeef',
      identity: {
        cognitoIdentityPoolId: null,
        accountId: '123456789012',
        cognitoIdentityId: null,
        caller: 'AROAEXAMPLEEXAMPLE:release-pipeline',
        sourceIp: '203.0.113.10',
        principalOrgId: null,
        accessKey: 'ASIAEXAMPLEEXAMPLE',
        cognitoAuthenticationType: null,
        cognitoAuthenticationProvider: null,
        userArn,
        userAgent: 'curl/8.5.0',
        user: 'AROAEXAMPLEEXAMPLE:release-pipeline',
        apiKey: apiKeyId === null ? null : 'not-a-real-key-value-0000000000000000000',
        apiKeyId,
        clientCert: null,
      },
      domainName: 'a1b2c3d4e5.execute-api.us-east-1.amazonaws.com',
      apiId: 'a1b2c3d4e5',
      authorizer: null,
    },
    body,
    isBase64Encoded,
  };
}

export function lambdaContext(): Context {
  return {
    callbackWaitsForEmptyEventLoop: true,
    functionName: 'ami-lifecycle-api',
    functionVersion: '$LATEST',
    invokedFunctionArn: 'arn:aws:lambda:us-east-1:123456789012:function:ami-lifecycle-api',
    memoryLimitInMB: '256',
    awsRequestId: '3f2a1b4c-5d6e-4f70-8a9b-0c1d2e3f4a5b',
    logGroupName: '/aws/lambda/ami-lifecycle-api',
    logStreamName: '2025/06/05/[$LATEST]0123456789abcdef0123456789abcdef',
    getRemainingTimeInMillis: () => 10_000,
    done: () => undefined,
    fail: () => undefined,
    succeed: () => undefined,
  };
}
