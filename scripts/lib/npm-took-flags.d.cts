// Types for npm-took-flags.cjs (plain CommonJS: npm-run.cjs runs under Node before Bun is installed).
export interface FlagNpmTook {
  flag: string;
  value: string | undefined;
}
export function findFlagsNpmTook(env: Record<string, string | undefined>): FlagNpmTook[];
export function explainFlagsNpmTook(task: string, took: FlagNpmTook[], rest: string[]): string;
