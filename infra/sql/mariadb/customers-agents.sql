-- Customers and Agents on MariaDB (local stack), related to Tickets by Tickets.CustomerID and
-- Tickets.AssignedTo (no foreign keys). Idempotent. On the wire (JsonConverter, precise decimals,
-- time.precision.mode=adaptive_time_microseconds):
--   INT -> int32; BIT(1) -> boolean (BOOLEAN would be TINYINT(1), an int16); DATE -> io.debezium.time.Date
--   VARCHAR(n) -> string (length propagated); DECIMAL(12,2) -> Decimal (precision 12, scale 2)
--   DATETIME(6) -> io.debezium.time.MicroTimestamp (local); TIMESTAMP(6) -> io.debezium.time.ZonedTimestamp
CREATE TABLE IF NOT EXISTS ticketsdb.Customers (
    CustomerID  INT           NOT NULL PRIMARY KEY,
    Name        VARCHAR(200)  NOT NULL,
    Email       VARCHAR(200)  NULL,
    Tier        VARCHAR(20)   NOT NULL,
    CreditLimit DECIMAL(12,2) NOT NULL,
    CreatedAt   DATETIME(6)   NOT NULL,
    UpdatedAt   DATETIME(6)   NOT NULL
) ENGINE = InnoDB;

CREATE TABLE IF NOT EXISTS ticketsdb.Agents (
    AgentID     VARCHAR(100)  NOT NULL PRIMARY KEY,
    DisplayName VARCHAR(200)  NOT NULL,
    Team        VARCHAR(50)   NOT NULL,
    Level       INT           NOT NULL,
    Active      BIT(1)        NOT NULL,
    HiredOn     DATE          NOT NULL,
    UpdatedAt   TIMESTAMP(6)  NOT NULL DEFAULT CURRENT_TIMESTAMP(6)
) ENGINE = InnoDB;

-- The workload and the tests change these tables' schemas (ADD COLUMN, a widened type) and create
-- tables while the service runs, as an application's migrations would; TRUNCATE needs DROP.
GRANT CREATE, ALTER, DROP, INDEX ON ticketsdb.* TO 'shori'@'127.0.0.1';
GRANT CREATE, ALTER, DROP, INDEX ON ticketsdb.* TO 'shori'@'localhost';
FLUSH PRIVILEGES;
