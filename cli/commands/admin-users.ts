/** `gateway admin users create|list|update|delete|import` (the original's commands, §1.10). */
import { readFileSync } from "node:fs";
import type { Argv, CommandModule } from "yargs";
import { GatewayError } from "../../src/errors/gateway-error";
import { parseUsersCsv } from "../../src/store/parse-users-csv";
import type { Store, User, UserPatch, UserRole, UserStatus } from "../../src/store/types";
import { toUserJson } from "../../src/store/wire-format";
import { type CliContext, printResult, runWithStore } from "../ledger-context";
import { type ConfigArgs, withConfigOptions } from "../shared-options";
import { LIMIT_COLUMNS, limitsFromOptions, withLimitColumns, withLimitOptions } from "../limit-options";

type Args = ConfigArgs & Record<string, unknown>;
const USER_COLUMNS = ["id", "email", "role", "display_name", "status", "created_at", ...LIMIT_COLUMNS];

/** A user by numeric id or by e-mail. */
/**
 * A user by id or email. Deleted users are found only with `includeDeleted`: the reports
 * (`usage`, `api-keys list`) of a departed user's history, which the ledger keeps; commands
 * that change a user or issue keys never act on a deleted one.
 */
export async function resolveUserRef(store: Store, ref: string | number | undefined, options: { includeDeleted?: boolean } = {}): Promise<User> {
  if (ref === undefined || ref === "") throw new GatewayError("invalid_request", 400, "name the user with --user/--id (id or email)");
  const text = String(ref);
  const user = /^\d+$/.test(text) ? await store.users.get(Number(text)) : await store.users.findByEmail(text);
  if (!user || (user.deletedAt && !options.includeDeleted)) throw new GatewayError("not_found", 404, `user ${text} not found`);
  return user;
}

/** The import file's text; a missing or unreadable file is one line naming it, not Node's "ENOENT: …, open". */
function readCsvFile(path: string): string {
  try {
    return readFileSync(path, "utf8");
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    const reason = code === "ENOENT" ? "no such file" : code === "EISDIR" ? "is a directory" : code === "EACCES" ? "permission denied" : (error as Error).message;
    throw new GatewayError("invalid_request", 400, `cannot read --file ${path}: ${reason}`);
  }
}

function printUsers(ctx: CliContext, args: Args, users: User[], key = "users"): void {
  const json = users.map(toUserJson);
  printResult(ctx, args, { [key]: json }, json.map(withLimitColumns), USER_COLUMNS);
}

const withJson = (yargs: Argv) => withConfigOptions(yargs).option("json", { type: "boolean", describe: "machine-readable output" });

export function createAdminUsersCommand(ctx: CliContext): CommandModule<object, Args> {
  const create: CommandModule<object, Args> = {
    command: "create",
    describe: "create a user",
    builder: (yargs) =>
      withLimitOptions(withJson(yargs))
        .option("email", { type: "string", demandOption: true, describe: "e-mail (unique)" })
        .option("role", { type: "string", choices: ["gateway_user", "gateway_admin"], default: "gateway_user", describe: "gateway_admin may manage users and keys; gateway_user only uses models and its own usage" })
        .option("name", { type: "string", alias: "display-name", describe: "display name" }) as never,
    handler: (args) =>
      runWithStore(ctx, args, async (store) => {
        const user = await store.users.create({ email: String(args.email), role: args.role as UserRole, displayName: (args.name as string | undefined) ?? null, limits: limitsFromOptions(args) });
        if (args.json) ctx.out(JSON.stringify({ user: toUserJson(user) }, null, 2));
        else ctx.out(`user created: id=${user.id} email=${user.email} role=${user.role}`);
      }),
  };

  const list: CommandModule<object, Args> = {
    command: "list",
    describe: "list users",
    builder: (yargs) => withJson(yargs).option("all", { type: "boolean", describe: "include deleted users" }) as never,
    handler: (args) => runWithStore(ctx, args, async (store) => printUsers(ctx, args, await store.users.list({ includeDeleted: args.all === true }))),
  };

  const update: CommandModule<object, Args> = {
    command: "update",
    describe: "change a user's role, display name, status or limits (--budget none removes the budget)",
    builder: (yargs) =>
      withLimitOptions(withJson(yargs))
        .option("id", { type: "string", demandOption: true, describe: "user id or email" })
        .option("role", { type: "string", choices: ["gateway_user", "gateway_admin"], describe: "new role (keys it holds are narrowed at once on a demotion, never widened)" })
        .option("name", { type: "string", alias: "display-name", describe: "new display name" })
        .option("status", { type: "string", choices: ["active", "inactive"], describe: "inactive: the user's keys are refused until it is active again" }) as never,
    handler: (args) =>
      runWithStore(ctx, args, async (store) => {
        const user = await resolveUserRef(store, args.id as string);
        const patch: UserPatch = {};
        if (args.role !== undefined) patch.role = args.role as UserRole;
        if (args.name !== undefined) patch.displayName = args.name as string;
        if (args.status !== undefined) patch.status = args.status as UserStatus;
        const limits = limitsFromOptions(args);
        if (limits) patch.limits = limits;
        // As `api-keys update`: a command that changes nothing (a flag misspelt into a value, say) is an error, not "user updated".
        if (Object.keys(patch).length === 0) throw new GatewayError("invalid_request", 400, "nothing to change: give --role, --name, --status, --budget, --budget-period, --rpm or --tpm");
        const updated = await store.users.update(user.id, patch);
        if (!updated) throw new GatewayError("not_found", 404, `user ${user.id} not found`);
        if (args.json) ctx.out(JSON.stringify({ user: toUserJson(updated) }, null, 2));
        else ctx.out(`user updated: id=${updated.id} email=${updated.email} role=${updated.role} status=${updated.status}`);
      }),
  };

  const remove: CommandModule<object, Args> = {
    command: "delete",
    describe: "soft-delete a user (status inactive, keys revoked; the ledger keeps its rows)",
    builder: (yargs) => withJson(yargs).option("id", { type: "string", demandOption: true, describe: "user id or email" }) as never,
    handler: (args) =>
      runWithStore(ctx, args, async (store) => {
        const user = await resolveUserRef(store, args.id as string);
        const deleted = await store.users.softDelete(user.id);
        if (!deleted) throw new GatewayError("not_found", 404, `user ${user.id} not found`);
        if (args.json) ctx.out(JSON.stringify({ user: toUserJson(deleted) }, null, 2));
        else ctx.out(`user deleted: id=${deleted.id} email=${deleted.email}`);
      }),
  };

  const importUsers: CommandModule<object, Args> = {
    command: "import",
    describe: "import users from CSV (header with email, role, display_name/name; or headerless email,role,display_name)",
    builder: (yargs) =>
      withJson(yargs)
        .option("file", { type: "string", demandOption: true, describe: "CSV file" })
        .option("skip-existing", { type: "boolean", default: false, describe: "skip e-mails that already exist instead of failing" }) as never,
    handler: (args) =>
      runWithStore(ctx, args, async (store) => {
        const users = parseUsersCsv(readCsvFile(String(args.file)));
        const result = await store.users.importUsers(users, { skipExisting: args["skip-existing"] === true });
        if (args.json) ctx.out(JSON.stringify({ created: result.created.map(toUserJson), skipped: result.skipped }, null, 2));
        else ctx.out(`imported ${result.created.length} users, skipped ${result.skipped.length}${result.skipped.length ? ` (${result.skipped.join(", ")})` : ""}`);
      }),
  };

  return {
    command: "users <command>",
    describe: "manage users",
    builder: (yargs) => yargs.command(create).command(list).command(update).command(remove).command(importUsers).demandCommand(1) as never,
    handler: () => {},
  };
}
