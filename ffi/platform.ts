/**
 * The platform names of Node-style runtimes (Bun, Node) in the terms the
 * library lookup uses.
 *
 * @module
 */

/** `process.platform` as the lookup's `os`. */
export function osName(platform: string): string {
  return platform === "win32" ? "windows" : platform;
}

/** `process.arch` as the lookup's `arch`. */
export function archName(arch: string): string {
  if (arch === "x64") return "x86_64";
  if (arch === "arm64") return "aarch64";
  return arch;
}
