// A seam for crash-injection tests: the file-system edges (configgen/write.ts, ledger/append.ts, ledger/lock.ts)
// call fileOp() after each operation that changes the disk. Production code installs no hook; a test child
// process installs one that kills itself at the k-th operation, to check that every crash point is recoverable.
// Pure: no I/O here.

export type FileOpHook = (op: string, path: string) => void;

let hook: FileOpHook | undefined;

export function setFileOpHook(next: FileOpHook | undefined): void {
  hook = next;
}

/** Reports that `op` on `path` has just completed. */
export function fileOp(op: string, path: string): void {
  hook?.(op, path);
}
