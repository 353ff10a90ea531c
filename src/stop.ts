/**
 * How a person stops a run that writes. The CLI turns the first SIGINT/SIGTERM into `request`
 * (finish the current batch, then stop: loops check `requested` between batches) and a second
 * into `force` (stop at once: the writer's connection is closed, so the server rolls its open
 * transaction back). Nothing here touches a process or a connection; code that holds a
 * connection registers what `force` must do with `onForce`.
 */
export type StopSignal = 'SIGINT' | 'SIGTERM';

export class StopToken {
  private asked: StopSignal | null = null;
  private forcedBy: StopSignal | null = null;
  private readonly forceHooks = new Set<() => void>();

  /** A token that ignores a plain request and only passes on `force` (for a rollback that must finish). */
  static forceOnly(of: StopToken): StopToken {
    const t = new StopToken();
    of.onForce(() => t.force(of.forced ?? 'SIGINT'));
    return t;
  }

  /** the signal that asked to stop at the next batch boundary, if one did */
  get requested(): StopSignal | null {
    return this.asked;
  }

  /** the signal that asked to stop at once, if one did */
  get forced(): StopSignal | null {
    return this.forcedBy;
  }

  request(signal: StopSignal): void {
    this.asked ??= signal;
  }

  force(signal: StopSignal): void {
    if (this.forcedBy) return;
    this.asked ??= signal;
    this.forcedBy = signal;
    for (const hook of [...this.forceHooks]) hook();
  }

  /** Runs `hook` when the run is forced to stop (at once if it already was); returns an undo. */
  onForce(hook: () => void): () => void {
    if (this.forcedBy) {
      hook();
      return () => undefined;
    }
    this.forceHooks.add(hook);
    return () => this.forceHooks.delete(hook);
  }
}
