/** A harness-side programmer error (the simulator, the driver or the core broke a contract). */
export class SimContractError extends Error {
  constructor(message: string) {
    super(`contract broken: ${message}`);
    this.name = 'SimContractError';
  }
}
