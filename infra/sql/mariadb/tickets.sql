-- Tickets on MariaDB (local stack). Idempotent: safe to run on every `stack.sh up`.
-- Types and what Debezium (JsonConverter, decimal.handling.mode=precise, time.precision.mode=adaptive_time_microseconds)
-- puts on the wire for them:
--   INT                -> int32
--   VARCHAR(n) / TEXT  -> string
--   DECIMAL(10,2)      -> org.apache.kafka.connect.data.Decimal (base64 unscaled bytes, scale 2)
--   DATETIME(6)        -> io.debezium.time.MicroTimestamp (int64 microseconds since epoch, no zone;
--                         the application stores UTC wall time). TIMESTAMP would give a ZonedTimestamp string.
CREATE DATABASE IF NOT EXISTS ticketsdb CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci;

CREATE TABLE IF NOT EXISTS ticketsdb.Tickets (
    TicketID      INT           NOT NULL AUTO_INCREMENT PRIMARY KEY,
    Title         VARCHAR(200)  NOT NULL,
    Description   TEXT          NULL,
    Status        VARCHAR(20)   NOT NULL CHECK (Status IN ('Open', 'InProgress', 'Resolved', 'Closed')),
    Priority      VARCHAR(20)   NOT NULL CHECK (Priority IN ('Low', 'Medium', 'High', 'Critical')),
    Category      VARCHAR(50)   NOT NULL,
    CustomerID    INT           NOT NULL,
    AssignedTo    VARCHAR(100)  NULL,
    EstimatedCost DECIMAL(10,2) NOT NULL,
    CreatedAt     DATETIME(6)   NOT NULL DEFAULT UTC_TIMESTAMP(6),
    UpdatedAt     DATETIME(6)   NOT NULL DEFAULT UTC_TIMESTAMP(6),
    ResolvedAt    DATETIME(6)   NULL
) ENGINE = InnoDB;

-- The connector's login: snapshot (SELECT, RELOAD, LOCK TABLES, SHOW DATABASES) and binlog reading
-- (REPLICATION SLAVE, BINLOG MONITOR = REPLICATION CLIENT before 10.5). Debezium's documented grant set.
CREATE USER IF NOT EXISTS 'shori'@'127.0.0.1' IDENTIFIED BY 'shori';
CREATE USER IF NOT EXISTS 'shori'@'localhost' IDENTIFIED BY 'shori';
GRANT SELECT, RELOAD, SHOW DATABASES, LOCK TABLES, REPLICATION SLAVE, BINLOG MONITOR ON *.* TO 'shori'@'127.0.0.1';
GRANT SELECT, RELOAD, SHOW DATABASES, LOCK TABLES, REPLICATION SLAVE, BINLOG MONITOR ON *.* TO 'shori'@'localhost';
GRANT INSERT, UPDATE, DELETE ON ticketsdb.* TO 'shori'@'127.0.0.1';
GRANT INSERT, UPDATE, DELETE ON ticketsdb.* TO 'shori'@'localhost';
FLUSH PRIVILEGES;
