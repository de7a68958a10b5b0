/**
 * Namespace tools (S11). Canonical tool names are always flat and upstream-safe:
 * `<namespace>__<child>`, with `namespace` kept beside the name so the Responses encoders
 * restore `{namespace, name: child}` on the way out. Other protocols' encoders need not
 * know about namespaces at all.
 */

const SEPARATOR = "__";

export function flattenNamespacedName(namespace: string | undefined, name: string): string {
  return namespace ? `${namespace}${SEPARATOR}${name}` : name;
}

/** The child name of a flattened name (`ns__child` → `child`), or the name itself. */
export function stripNamespace(namespace: string | undefined, flatName: string): string {
  if (!namespace) return flatName;
  const prefix = namespace + SEPARATOR;
  return flatName.startsWith(prefix) ? flatName.slice(prefix.length) : flatName;
}
