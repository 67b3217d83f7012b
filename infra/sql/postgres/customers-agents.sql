-- Customers and Agents on PostgreSQL (local stack, database ticketsdb), related to Tickets by
-- Tickets."CustomerID" and Tickets."AssignedTo" (no foreign keys: CDC sources often have none, and
-- the workload deletes customers that tickets still name). Idempotent. On the wire (JsonConverter,
-- decimal.handling.mode=precise, time.precision.mode=adaptive):
--   integer -> int32; smallint -> int16; boolean -> boolean; date -> io.debezium.time.Date
--   varchar(n) -> string (length in __debezium.source.column.length, the connector propagates it)
--   numeric(12,2) -> org.apache.kafka.connect.data.Decimal (precision 12, scale 2)
--   timestamp(6) -> io.debezium.time.MicroTimestamp (local); timestamptz -> io.debezium.time.ZonedTimestamp
CREATE TABLE IF NOT EXISTS public."Customers" (
    "CustomerID"  integer       PRIMARY KEY,
    "Name"        varchar(200)  NOT NULL,
    "Email"       varchar(200)  NULL,
    "Tier"        varchar(20)   NOT NULL,
    "CreditLimit" numeric(12,2) NOT NULL,
    "CreatedAt"   timestamp(6)  NOT NULL,
    "UpdatedAt"   timestamp(6)  NOT NULL
);
ALTER TABLE public."Customers" REPLICA IDENTITY FULL;

CREATE TABLE IF NOT EXISTS public."Agents" (
    "AgentID"     varchar(100)  PRIMARY KEY,
    "DisplayName" varchar(200)  NOT NULL,
    "Team"        varchar(50)   NOT NULL,
    "Level"       integer       NOT NULL,
    "Active"      boolean       NOT NULL,
    "HiredOn"     date          NOT NULL,
    "UpdatedAt"   timestamptz   NOT NULL
);
ALTER TABLE public."Agents" REPLICA IDENTITY FULL;
