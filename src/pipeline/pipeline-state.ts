// The pipeline's observable state: counters and worker statuses, read by /api/health and the SSE
// stats. Written only by the workers; everything else reads.

export interface WorkerStatus {
  /** The loop is running (false after a fatal error or shutdown). */
  running: boolean;
  /** Epoch ms of the worker's last loop turn: a worker silent for long is not alive. */
  lastBeatMs: number;
}

export class PipelineState {
  readonly startedAtMs = Date.now();
  eventsReceived = 0;
  tombstonesReceived = 0;
  decodeErrors = 0;
  /** Change events Debezium re-published (after a connector restart) that history already held. */
  redelivered = 0;
  /** Events that could not be applied to a derived table and went to `silver/_rejected`. */
  eventsRejected = 0;
  /** Conditions an operator should know about that do not stop the pipeline (schema drift). */
  readonly warnings: string[] = [];
  batchesOk = 0;
  batchesFailed = 0;
  lastBatchAt: string | null = null;
  /** The last error, kept (with its time) after the pipeline recovered, so it stays visible. */
  lastError: string | null = null;
  lastErrorCode: string | null = null;
  lastErrorAt: string | null = null;
  /** The last attempt failed and no batch has succeeded since: health is degraded. */
  failing = false;
  /** Records read from the feed that not every table holds yet (buffered, or in Bronze but not yet applied by a derived table). */
  derivedPending = true;
  perSource: Record<string, number> = {};
  readonly ui: WorkerStatus = { running: false, lastBeatMs: 0 };
  readonly lakehouse: WorkerStatus = { running: false, lastBeatMs: 0 };

  /** Notes a warning, keeping the most recent 100. */
  warn(message: string): void {
    this.warnings.push(message);
    if (this.warnings.length > 100) this.warnings.splice(0, this.warnings.length - 100);
  }

  /** A worker is alive when running and it turned its loop within `staleMs`. */
  alive(worker: WorkerStatus, staleMs: number, now = Date.now()): boolean {
    return worker.running && now - worker.lastBeatMs <= staleMs;
  }
}
