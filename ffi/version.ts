/** The version of this module; release artifacts are published under it. */
export const VERSION = "0.1.0";
