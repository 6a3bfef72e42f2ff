/** What a command may touch of its process: output streams, environment and working directory. */
export interface CommandIo {
  stdout(text: string): void;
  stderr(text: string): void;
  readonly env: NodeJS.ProcessEnv;
  readonly cwd: string;
}
