// pino-roll ships no types; this declares only what src/log/logger.ts uses. It resolves to a
// SonicBoom stream (write, flush, flushSync), which pino accepts as a destination.
declare module "pino-roll" {
  import type { DestinationStream } from "pino";

  interface PinoRollOptions {
    file: string | (() => string);
    frequency?: "daily" | "hourly" | number;
    size?: string | number;
    limit?: { count?: number; removeOtherLogFiles?: boolean };
    mkdir?: boolean;
    extension?: string;
    symlink?: boolean;
    dateFormat?: string;
  }

  export default function roll(options: PinoRollOptions): Promise<DestinationStream & { flush(callback: (error?: Error) => void): void; flushSync(): void }>;
}
