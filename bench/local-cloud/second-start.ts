import { join } from 'node:path';
import { DEFAULT_TEMPLATE_CACHE_DIR } from '../../infra/local/template/template-cache';
import { type Benchmark, budget } from '../benchmark';
import { median, round } from '../stats';
import { startLocalCloudProcess } from './local-cloud-process';

const SECOND_STARTS = { quick: 3, full: 7 } as const;
const BUDGET_S = 5;

/**
 * 6b. `npm start` a second time, with the same state directory and unchanged sources: the stack
 * template comes from the cache the first start filled. Ready = the start banner printed (every
 * port listening), timed from spawning the process.
 */
export const localCloudSecondStart: Benchmark = {
  id: 'local-cloud-second-start',
  title: '6b. Local cloud: second start',
  async run(context) {
    const stateDir = join(context.workDir, 'local-cloud-second-start');
    const start = () =>
      startLocalCloudProcess({
        node: context.node,
        projectRoot: context.projectRoot,
        stateDir,
        timeoutMs: 300_000,
      });
    // The first start synthesizes unless an earlier run with the same sources cached the template.
    const first = await start();
    const firstSynthesized = /stack template synthesized/.test(first.output());
    await first.stop();
    const seconds: number[] = [];
    const cachedNotes: boolean[] = [];
    for (let round = 0; round < SECOND_STARTS[context.mode]; round++) {
      const again = await start();
      seconds.push(again.readyMs / 1000);
      cachedNotes.push(/stack template cached/.test(again.output()));
      await again.stop();
    }
    const mid = median(seconds);
    return {
      columns: [
        { key: 'first', label: 'first start s', digits: 1 },
        { key: 'median', label: 'second start s (median)', digits: 2 },
        { key: 'max', label: 'max s', digits: 2 },
        { key: 'cached', label: 'from cache' },
      ],
      rows: [
        {
          subject: `${seconds.length} second starts`,
          figures: {
            first: round(first.readyMs / 1000, 1),
            median: round(mid, 2),
            max: round(Math.max(...seconds), 2),
            cached: `${cachedNotes.filter(Boolean).length}/${cachedNotes.length}`,
          },
          budgets: [
            budget('second start s (median)', round(mid, 2), '≤', BUDGET_S),
            budget(
              'second starts from the cache',
              cachedNotes.filter(Boolean).length,
              '≥',
              cachedNotes.length,
            ),
          ],
        },
      ],
      notes: [
        `From spawning what \`npm start\` runs (package.json's \`start\` script) to its start banner, on free ports, one state directory for all starts. ${firstSynthesized ? 'The first start synthesized the stack' : 'The first start found the template already cached (sources unchanged since an earlier run)'}; the template cache is ${DEFAULT_TEMPLATE_CACHE_DIR}.`,
      ],
      details: { firstMs: first.readyMs, secondSeconds: seconds },
    };
  },
};
