/** The one account and Region every local service, function and ARN belongs to. */
export const LOCAL_REGION = 'us-east-1';
export const LOCAL_ACCOUNT_ID = '123456789012';
