/**
 * Micro-dollars as a dollar amount for messages: cents always shown, smaller digits only when
 * there are any (`$1.00`, `$0.20`, `$0.00002`, `$0.009831`). Rounding to cents made a small test
 * budget read "$0.00" and hid what a refusal was about.
 */
export function formatUsd(microUsd: number): string {
  const sign = microUsd < 0 ? "-" : "";
  const [whole, fraction] = (Math.abs(microUsd) / 1e6).toFixed(6).split(".") as [string, string];
  return `${sign}$${whole}.${fraction.replace(/0+$/, "").padEnd(2, "0")}`;
}
