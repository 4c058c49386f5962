/** Builds `${dist}/eig.wasm` from `${root}/assembly/eig.ts` unless it is up to date; resolves to its path. */
export function buildWasm(root: string, dist: string): Promise<string>;
