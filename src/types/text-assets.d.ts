// Files imported with `with { type: "text" }` (embedded in the compiled binary) are strings.
declare module "*.toml" {
  const text: string;
  export default text;
}
