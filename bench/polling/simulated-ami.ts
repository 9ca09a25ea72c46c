/** An AMI that is `pending` until `availableAtMs` and `available` from then on. */
export interface SimulatedAmi {
  readonly imageId: string;
  readonly availableAtMs: number;
  /** The state a check at `nowMs` sees. */
  stateAt(nowMs: number): 'pending' | 'available';
}

export function simulatedAmi(imageId: string, availableAtMs: number): SimulatedAmi {
  return {
    imageId,
    availableAtMs,
    stateAt: (nowMs) => (nowMs >= availableAtMs ? 'available' : 'pending'),
  };
}
