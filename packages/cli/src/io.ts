/** Where the CLI writes (injectable for tests). */
export interface CliIo {
  out(line: string): void;
  err(line: string): void;
}

/** The process's stdout / stderr. */
export const processIo: CliIo = {
  out: (line) => process.stdout.write(`${line}\n`),
  err: (line) => process.stderr.write(`${line}\n`),
};
