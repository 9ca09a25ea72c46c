/**
 * The seed system's AMI name, `{NAME}-Deploy-YYYY-MM-DD_HH_MM`, with the wall-clock time of
 * `timeZone` (an IANA zone). The janitor recognises seed-made images by this pattern, so it must
 * not change.
 */
export function deployImageName(instanceName: string, at: Date, timeZone: string): string {
  const parts = new Intl.DateTimeFormat('en-US', {
    timeZone,
    year: 'numeric',
    month: '2-digit',
    day: '2-digit',
    hour: '2-digit',
    minute: '2-digit',
    // h23: midnight is 00, never 24.
    hourCycle: 'h23',
  }).formatToParts(at);
  const part = (type: Intl.DateTimeFormatPartTypes): string =>
    parts.find((candidate) => candidate.type === type)?.value ?? '';
  return `${instanceName}-Deploy-${part('year')}-${part('month')}-${part('day')}_${part('hour')}_${part('minute')}`;
}
