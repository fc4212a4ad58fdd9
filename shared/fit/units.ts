// The estimate's units, for its text and the UI alike: GiB to a tenth, weights to a hundredth.
export const GiB = 2 ** 30;
export const gib = (n: number) => `${(n / GiB).toFixed(1)} GiB`;
/** Weights to the hundredth, as vLLM logs them ("model weights take 14.96GiB"). */
export const gib2 = (n: number) => `${(n / GiB).toFixed(2)} GiB`;
