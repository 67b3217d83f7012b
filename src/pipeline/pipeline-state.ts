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
  /** Change events Debezium re-published (after a connector restart) that the lakehouse skipped. */
  redelivered = 0;
  /** Conditions an operator should know about that do not stop the pipeline (schema drift). */
  readonly warnings: string[] = [];
  batchesOk = 0;
  batchesFailed = 0;
  lastBatchAt: string | null = null;
  lastError: string | null = null;
  lastErrorCode: string | null = null;
  perSource: Record<string, number> = {};
  readonly ui: WorkerStatus = { running: false, lastBeatMs: 0 };
  readonly lakehouse: WorkerStatus = { running: false, lastBeatMs: 0 };

  /** A worker is alive when running and it turned its loop within `staleMs`. */
  alive(worker: WorkerStatus, staleMs: number, now = Date.now()): boolean {
    return worker.running && now - worker.lastBeatMs <= staleMs;
  }
}
