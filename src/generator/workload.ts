// The workload: which operation comes next and what the rows look like. Pure logic (a seeded PRNG),
// so a run is reproducible and the targets (embedded SQLite, SQL Server, PostgreSQL, MariaDB) only
// execute what it decides.
import { isoMicros } from '../util/time.ts';
import { TICKET_PRIORITIES, type TicketPriority, type TicketRow, type TicketStatus } from '../sources/embedded/tickets-schema.ts';

export interface WorkloadMix {
  insert: number;
  update: number;
  delete: number;
}

export type NewTicket = Omit<TicketRow, 'TicketID'>;
export type TicketChange = Partial<Omit<TicketRow, 'TicketID' | 'CreatedAt'>>;

export type Operation = { kind: 'insert'; row: NewTicket } | { kind: 'update'; ticketId: number; change: TicketChange } | { kind: 'delete'; ticketId: number };

const CATEGORIES = ['Billing', 'Network', 'Hardware', 'Software', 'Access', 'Email', 'Database', 'Security'];
const AGENTS = ['alice', 'bob', 'carol', 'dave', 'erin', 'frank', 'grace', null];
const WORDS = ['printer', 'VPN', 'invoice', 'password', 'laptop', 'outage', 'latency', 'backup', 'license', 'mailbox', 'disk', 'report'];
const NEXT_STATUS: Record<TicketStatus, TicketStatus[]> = {
  Open: ['InProgress', 'InProgress', 'Resolved'],
  InProgress: ['Resolved', 'Resolved', 'Open'],
  Resolved: ['Closed', 'Closed', 'InProgress'],
  Closed: ['Open'],
};

/** mulberry32: small, fast, good enough for workloads, and seedable. */
export function createRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const nowIsoMicros = (): string => isoMicros();

export class Workload {
  readonly #random: () => number;
  readonly #mix: WorkloadMix;

  constructor(options: { seed: number; mix: WorkloadMix }) {
    this.#random = createRandom(options.seed);
    const total = options.mix.insert + options.mix.update + options.mix.delete;
    if (!(total > 0)) throw new Error('workload mix must have a positive total');
    this.#mix = options.mix;
  }

  #pick<T>(items: readonly T[]): T {
    return items[Math.floor(this.#random() * items.length)];
  }

  #cost(): string {
    const cents = Math.floor(this.#random() * 500_000) + 1; // 0.01 .. 5000.00
    return `${Math.floor(cents / 100)}.${String(cents % 100).padStart(2, '0')}`;
  }

  newTicket(now = nowIsoMicros()): NewTicket {
    const word = this.#pick(WORDS);
    return {
      Title: `${this.#pick(['Cannot use', 'Problem with', 'Request for', 'Slow'])} ${word}`,
      Description: this.#random() < 0.2 ? null : `Customer reports an issue with the ${word} (ref ${Math.floor(this.#random() * 1e6)}).`,
      Status: 'Open',
      Priority: this.#pick(TICKET_PRIORITIES) as TicketPriority,
      Category: this.#pick(CATEGORIES),
      CustomerID: 1000 + Math.floor(this.#random() * 500),
      AssignedTo: this.#random() < 0.5 ? null : (this.#pick(AGENTS) as string | null),
      EstimatedCost: this.#cost(),
      CreatedAt: now,
      UpdatedAt: now,
      ResolvedAt: null,
    };
  }

  /** A realistic change: mostly status moves (setting ResolvedAt), some re-prioritisation and assignment. */
  changeFor(current: Pick<TicketRow, 'Status'>, now = nowIsoMicros()): TicketChange {
    const roll = this.#random();
    if (roll < 0.6) {
      const status = this.#pick(NEXT_STATUS[current.Status]);
      const change: TicketChange = { Status: status, UpdatedAt: now };
      if (status === 'Resolved') change.ResolvedAt = now;
      if (status === 'Open' || status === 'InProgress') change.ResolvedAt = null;
      return change;
    }
    if (roll < 0.8) return { Priority: this.#pick(TICKET_PRIORITIES) as TicketPriority, UpdatedAt: now };
    if (roll < 0.9) return { AssignedTo: this.#pick(AGENTS) as string | null, UpdatedAt: now };
    return { EstimatedCost: this.#cost(), Description: this.#random() < 0.3 ? null : `Updated at ${now}`, UpdatedAt: now };
  }

  /** Chooses the next operation kind; updates and deletes need an existing ticket. */
  nextKind(hasTickets: boolean): Operation['kind'] {
    if (!hasTickets) return 'insert';
    const total = this.#mix.insert + this.#mix.update + this.#mix.delete;
    const roll = this.#random() * total;
    if (roll < this.#mix.insert) return 'insert';
    if (roll < this.#mix.insert + this.#mix.update) return 'update';
    return 'delete';
  }

  pickIndex(length: number): number {
    return Math.floor(this.#random() * length);
  }

  chance(p: number): boolean {
    return this.#random() < p;
  }
}
