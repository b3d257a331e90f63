/** What background code logs through: pino's logger has it, and tests pass a silent one. */
export type Logger = { warn(obj: object, msg: string): void; info(obj: object, msg: string): void };
