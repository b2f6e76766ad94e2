// `mixopt bench ...`: the replay benchmark lives in src/bench (wired in below as it lands).
export async function runBench(args: readonly string[], io: { out(t: string): void; err(t: string): void }): Promise<number> {
  io.err(`mixopt bench: unknown subcommand "${args[0] ?? ''}"`);
  return 2;
}
