import 'aws-sdk-client-mock-vitest/extend';
import { afterAll } from 'vitest';
import { removeTemporaryFolders } from './tools';

// Registered before the test file's own hooks, so it runs after them: Vitest runs `afterAll`
// hooks in the reverse order of their registration.
afterAll(removeTemporaryFolders);
