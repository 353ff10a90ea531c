import { type Command, InvalidArgumentError } from 'commander';
import { type MaxLoad, parseMaxLoad, type ThrottleOptions } from '../apply/throttle.js';
import { UsageError } from '../errors.js';
import { positiveNumber } from './options.js';

/** The flags of a live run (apply, rehearse). */
export interface LiveFlags {
  live?: boolean;
  maxLoad?: MaxLoad;
  pauseFile?: string;
  batchSeconds: number;
}

/** A live run's batches start smaller: short transactions hold the application's rows briefly. */
export const LIVE_BATCH_ROWS = 500;

function parseMaxLoadOption(raw: string): MaxLoad {
  try {
    return parseMaxLoad(raw);
  } catch (e) {
    throw new InvalidArgumentError(e instanceof Error ? e.message : String(e));
  }
}

/** --live, --max-load, --pause-file, --batch-seconds. */
export function liveOptions(cmd: Command, what: string): Command {
  return cmd
    .option('--live', what)
    .option(
      '--max-load <status=n,...>',
      'with --live: pause while a global status variable is over its value, e.g. Threads_running=25',
      parseMaxLoadOption,
    )
    .option(
      '--pause-file <file>',
      'with --live: pause while this file exists (touch it to pause, remove it to go on)',
    )
    .option(
      '--batch-seconds <s>',
      'with --live: the time a batch should take (row locks are held that long); batches are resized towards it',
      positiveNumber,
      0.1,
    );
}

/** The throttle of a live run, or null for a strict one (throttle flags need --live). */
export function liveSettings(flags: LiveFlags): ThrottleOptions | null {
  if (!flags.live) {
    if (flags.maxLoad || flags.pauseFile)
      throw new UsageError('--max-load and --pause-file throttle a live run: add --live');
    return null;
  }
  return {
    maxLoad: flags.maxLoad ?? new Map(),
    pauseFile: flags.pauseFile ?? null,
    batchSeconds: flags.batchSeconds,
  };
}
