/** Injected wherever time matters (AMI names, ages, deadlines), so tests can fix it. */
export type Clock = () => Date;

export const systemClock: Clock = () => new Date();
