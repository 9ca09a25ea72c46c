/**
 * The schedule expressions the local cloud runs: `rate(N unit)` and the daily/hourly `cron(M H * * ? *)`
 * forms. Anything else is reported as not emulated rather than silently never firing.
 */
export function nextScheduledRun(expression: string, after: Date): Date | undefined {
  const rate = expression.match(/^rate\((\d+) (minute|minutes|hour|hours|day|days)\)$/);
  if (rate) {
    const unitMs = rate[2]?.startsWith('minute')
      ? 60_000
      : rate[2]?.startsWith('hour')
        ? 3_600_000
        : 86_400_000;
    return new Date(after.getTime() + Number(rate[1]) * unitMs);
  }
  const cron = expression.match(/^cron\((\d{1,2}|\*) (\d{1,2}|\*) \* \* \? \*\)$/);
  if (!cron) return undefined;
  const [, minute = '*', hour = '*'] = cron;
  const next = new Date(after.getTime());
  next.setUTCSeconds(0, 0);
  for (let step = 0; step < 60 * 24 + 1; step++) {
    next.setUTCMinutes(next.getUTCMinutes() + 1);
    if (
      (minute === '*' || next.getUTCMinutes() === Number(minute)) &&
      (hour === '*' || next.getUTCHours() === Number(hour))
    ) {
      return next;
    }
  }
  return undefined;
}
