// zod/mini keeps each function bundle small (about 15 KB instead of 430 KB for full zod), which
// matters for cold start. Import it as a namespace, `import * as z from './zod'`: esbuild then
// keeps only what is used, whereas re-exporting a namespace object (`export { z }`) would drag all
// of zod into every bundle. The English locale gives readable messages and is configured once here.

import { config } from 'zod/mini';
import en from 'zod/v4/locales/en.js';

config(en());

export * from 'zod/mini';
