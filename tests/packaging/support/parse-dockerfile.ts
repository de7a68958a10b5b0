/**
 * A small Dockerfile reader for the packaging tests (no Docker engine here): joins
 * continuation lines, drops comments, and groups instructions by build stage.
 */
export interface DockerInstruction {
  keyword: string;
  args: string;
}

export interface DockerStage {
  from: string;
  name?: string;
  instructions: DockerInstruction[];
}

/** Parses Dockerfile text into its global ARGs and stages. */
export function parseDockerfile(text: string): { globalArgs: DockerInstruction[]; stages: DockerStage[] } {
  const logical: string[] = [];
  let pending = "";
  for (const raw of text.split("\n")) {
    const line = raw.trimEnd();
    if (pending === "" && /^\s*#/.test(line)) continue;
    if (line.endsWith("\\")) {
      pending += `${line.slice(0, -1)} `;
      continue;
    }
    const joined = (pending + line).trim();
    pending = "";
    if (joined !== "" && !joined.startsWith("#")) logical.push(joined);
  }
  const globalArgs: DockerInstruction[] = [];
  const stages: DockerStage[] = [];
  for (const line of logical) {
    const match = /^(\w+)\s+([\s\S]*)$/.exec(line);
    if (!match) throw new Error(`unparsable Dockerfile line: ${line}`);
    const instruction = { keyword: match[1]!.toUpperCase(), args: match[2]!.trim() };
    if (instruction.keyword === "FROM") {
      const parts = instruction.args.split(/\s+/).filter((p) => !p.startsWith("--platform"));
      stages.push({ from: parts[0]!, name: /^as$/i.test(parts[1] ?? "") ? parts[2] : undefined, instructions: [] });
    } else if (stages.length === 0) {
      globalArgs.push(instruction);
    } else {
      stages.at(-1)!.instructions.push(instruction);
    }
  }
  return { globalArgs, stages };
}

/** Reads every `ENV k=v k=v` of a stage into one record (unquoted values only). */
export function readStageEnv(stage: DockerStage): Record<string, string> {
  const env: Record<string, string> = {};
  for (const { args } of stage.instructions.filter((i) => i.keyword === "ENV")) {
    for (const pair of args.split(/\s+/)) {
      const eq = pair.indexOf("=");
      if (eq <= 0) throw new Error(`ENV without key=value form: ${args}`);
      env[pair.slice(0, eq)] = pair.slice(eq + 1);
    }
  }
  return env;
}

/** Returns the JSON (exec-form) array of an instruction, failing on the shell form. */
export function readExecForm(args: string): string[] {
  const parsed = JSON.parse(args) as unknown;
  if (!Array.isArray(parsed) || !parsed.every((p) => typeof p === "string")) throw new Error(`not exec form: ${args}`);
  return parsed as string[];
}
