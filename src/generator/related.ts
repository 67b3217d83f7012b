// The tables related to Tickets (Customers by Tickets.CustomerID, Agents by Tickets.AssignedTo) and
// the DDL the generator applies with --ddl: what their rows look like, pure logic on a seeded PRNG as
// workload.ts is for tickets. Targets execute what it decides.
import { isoMicros } from '../util/time.ts';

export interface CustomerRow {
  CustomerID: number;
  Name: string;
  Email: string | null;
  Tier: string;
  /** Exact decimal text with scale 2. */
  CreditLimit: string;
  /** ISO-8601 UTC with microseconds. */
  CreatedAt: string;
  UpdatedAt: string;
  /** Only once the add-column DDL step ran. */
  Phone?: string | null;
}

export interface AgentRow {
  AgentID: string;
  DisplayName: string;
  Team: string;
  Level: number;
  Active: boolean;
  /** YYYY-MM-DD. */
  HiredOn: string;
  /** ISO-8601 UTC with microseconds (a zoned timestamp at the source). */
  UpdatedAt: string;
}

/** Tickets.CustomerID is drawn from this range (workload.ts), so every ticket names one of these. */
export const CUSTOMER_IDS = { first: 1000, count: 500 } as const;
/** Tickets.AssignedTo names one of these. */
export const AGENT_IDS = ['alice', 'bob', 'carol', 'dave', 'erin', 'frank', 'grace'] as const;

const TIERS = ['Standard', 'Silver', 'Gold', 'Platinum'];
const TEAMS = ['Network', 'Desk', 'Billing', 'Security'];
const NAMES = ['Acme', 'Globex', 'Initech', 'Umbrella', 'Hooli', 'Vandelay', 'Stark', 'Wayne', 'Tyrell', 'Soylent'];

/** The DDL steps of --ddl, in order: an added column, then three widened types. */
export type DdlStep = 'add-column' | 'widen-int' | 'widen-decimal' | 'widen-varchar';
export const DDL_STEPS: readonly DdlStep[] = ['add-column', 'widen-int', 'widen-decimal', 'widen-varchar'];
export const DDL_DESCRIPTIONS: Record<DdlStep, string> = {
  'add-column': 'Customers ADD COLUMN Phone varchar(40)',
  'widen-int': 'Agents ALTER COLUMN Level int → bigint',
  'widen-decimal': 'Customers ALTER COLUMN CreditLimit decimal(12,2) → decimal(14,2)',
  'widen-varchar': 'Customers ALTER COLUMN Name varchar(200) → varchar(400)',
};

export type RelatedOperation =
  { kind: 'upsert-customer'; row: CustomerRow } | { kind: 'delete-customer'; customerId: number } | { kind: 'upsert-agent'; row: AgentRow };

export class RelatedWorkload {
  readonly #random: () => number;

  constructor(random: () => number) {
    this.#random = random;
  }

  #pick<T>(items: readonly T[]): T {
    return items[Math.floor(this.#random() * items.length)];
  }

  #money(max: number): string {
    const cents = Math.floor(this.#random() * max * 100) + 1;
    return `${Math.floor(cents / 100)}.${String(cents % 100).padStart(2, '0')}`;
  }

  customer(withPhone: boolean, now = isoMicros()): CustomerRow {
    const id = CUSTOMER_IDS.first + Math.floor(this.#random() * CUSTOMER_IDS.count);
    const name = `${this.#pick(NAMES)} ${this.#pick(['Ltd', 'Inc', 'GmbH', 'SA'])} ${id}`;
    const row: CustomerRow = {
      CustomerID: id,
      Name: name,
      Email: this.#random() < 0.2 ? null : `contact${id}@example.com`,
      Tier: this.#pick(TIERS),
      CreditLimit: this.#money(90_000),
      CreatedAt: now,
      UpdatedAt: now,
    };
    if (withPhone) row.Phone = this.#random() < 0.3 ? null : `+41 44 ${String(Math.floor(this.#random() * 1e7)).padStart(7, '0')}`;
    return row;
  }

  agent(now = isoMicros()): AgentRow {
    const id = this.#pick(AGENT_IDS);
    const day = 1 + Math.floor(this.#random() * 28);
    return {
      AgentID: id,
      DisplayName: `${id[0].toUpperCase()}${id.slice(1)} ${this.#pick(['Smith', 'Jones', 'Meier', 'Rossi'])}`,
      Team: this.#pick(TEAMS),
      Level: 1 + Math.floor(this.#random() * 5),
      Active: this.#random() < 0.9,
      HiredOn: `20${10 + Math.floor(this.#random() * 15)}-0${1 + Math.floor(this.#random() * 9)}-${String(day).padStart(2, '0')}`,
      UpdatedAt: now,
    };
  }

  chance(p: number): boolean {
    return this.#random() < p;
  }

  pickIndex(length: number): number {
    return Math.floor(this.#random() * length);
  }

  /** Mostly customer upserts, some agent updates, a few customer deletes. */
  next(withPhone: boolean): RelatedOperation {
    const roll = this.#random();
    if (roll < 0.6) return { kind: 'upsert-customer', row: this.customer(withPhone) };
    if (roll < 0.9) return { kind: 'upsert-agent', row: this.agent() };
    return { kind: 'delete-customer', customerId: CUSTOMER_IDS.first + Math.floor(this.#random() * CUSTOMER_IDS.count) };
  }
}
