/** True for an IANA time zone this runtime knows, e.g. `UTC` or `Asia/Seoul`. */
export function isKnownTimeZone(timeZone: string): boolean {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone });
    return true;
  } catch {
    return false;
  }
}
