// `npm run schemas` regenerates events/schemas/*.json from the zod contracts.
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { EVENT_CONTRACTS, schemaFileName } from './catalog';
import { renderJsonSchema } from './json-schema';

const directory = join(import.meta.dirname, 'schemas');
mkdirSync(directory, { recursive: true });
for (const contract of EVENT_CONTRACTS) {
  writeFileSync(join(directory, schemaFileName(contract)), renderJsonSchema(contract));
  console.log(`wrote ${schemaFileName(contract)}`);
}
