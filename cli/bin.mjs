#!/usr/bin/env node
// The CLI is TypeScript like the rest of the project: tsx's loader runs it without a build step,
// from a clone or from an install (tsx is a runtime dependency for this reason).
import { register } from 'tsx/esm/api';

register();
await import('./main.ts');
