/**
 * What to run when pack:npm or build:wheels finds no binary to package. The message used to say
 * `bun scripts/build.ts --all`, which a user with only Node.js and npm cannot type (Bun lives in
 * node_modules), and did not mention --host, which packages this machine's `npm run build`
 * output without cross-compiling every target.
 */
export function missingBinaryMessage(binary: string, host: boolean, task: "pack:npm" | "build:wheels"): string {
  if (host) return `missing ${binary}: run \`npm run build\` first`;
  return `missing ${binary}: run \`npm run build:all\` first (every platform), or \`npm run ${task} -- --host\` for this machine's binary from \`npm run build\``;
}
