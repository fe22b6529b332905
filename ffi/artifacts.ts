/**
 * SHA-256 of the release artifacts of this version, one per platform,
 * written by `deno run -A scripts/build_npm.ts --release` from the very
 * files it puts in npm/release/ for upload. Until a release writes it, the
 * hashes are zeros and the download step refuses every file (fails closed).
 *
 * @module
 */

/** A release artifact: its file name and expected SHA-256 (lowercase hex). */
export interface Artifact {
  /** File name under `<baseUrl>/v<version>/`. */
  file: string;
  /** Expected SHA-256 of the file. */
  sha256: string;
}

/** Artifacts by platform key (`<os>-<arch>`). */
export const artifacts: Record<string, Artifact> = {
  "linux-x86_64": {
    file: "libauthy_vault-linux-x86_64.so",
    sha256: "0000000000000000000000000000000000000000000000000000000000000000",
  },
};
