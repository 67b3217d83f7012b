-- dbo.Customers and dbo.Agents, related to dbo.Tickets by CustomerID and AssignedTo (no foreign keys),
-- with change data capture on, for the Docker deployment (scripts/setup.sh runs it after
-- 02-enable-cdc.sql). Idempotent. On the wire (precise decimals, time.precision.mode=adaptive):
--   INT -> int32; BIT -> boolean; DATE -> io.debezium.time.Date; NVARCHAR(n) -> string (length propagated)
--   DECIMAL(12,2) -> Decimal (precision 12, scale 2); DATETIME2(6) -> io.debezium.time.MicroTimestamp (local)
--   DATETIMEOFFSET(6) -> io.debezium.time.ZonedTimestamp
-- SQL Server refuses TRUNCATE TABLE on a table tracked by CDC (error 4711): delete the rows instead.
-- A column added later is captured only by a new capture instance (sp_cdc_enable_table with
-- @capture_instance = N'dbo_<Table>_v2'); Debezium then switches to it by itself.
USE TicketsDb;
GO
IF OBJECT_ID(N'dbo.Customers', N'U') IS NULL
    CREATE TABLE dbo.Customers (
        CustomerID  INT            NOT NULL CONSTRAINT PK_Customers PRIMARY KEY,
        Name        NVARCHAR(200)  NOT NULL,
        Email       NVARCHAR(200)  NULL,
        Tier        VARCHAR(20)    NOT NULL,
        CreditLimit DECIMAL(12,2)  NOT NULL,
        CreatedAt   DATETIME2(6)   NOT NULL,
        UpdatedAt   DATETIME2(6)   NOT NULL
    );
GO
IF OBJECT_ID(N'dbo.Agents', N'U') IS NULL
    CREATE TABLE dbo.Agents (
        AgentID     NVARCHAR(100)     NOT NULL CONSTRAINT PK_Agents PRIMARY KEY,
        DisplayName NVARCHAR(200)     NOT NULL,
        Team        NVARCHAR(50)      NOT NULL,
        Level       INT               NOT NULL,
        Active      BIT               NOT NULL,
        HiredOn     DATE              NOT NULL,
        UpdatedAt   DATETIMEOFFSET(6) NOT NULL
    );
GO
IF NOT EXISTS (SELECT 1 FROM sys.tables WHERE name = N'Customers' AND schema_id = SCHEMA_ID(N'dbo') AND is_tracked_by_cdc = 1)
    EXEC sys.sp_cdc_enable_table @source_schema = N'dbo', @source_name = N'Customers', @role_name = NULL, @supports_net_changes = 0;
GO
IF NOT EXISTS (SELECT 1 FROM sys.tables WHERE name = N'Agents' AND schema_id = SCHEMA_ID(N'dbo') AND is_tracked_by_cdc = 1)
    EXEC sys.sp_cdc_enable_table @source_schema = N'dbo', @source_name = N'Agents', @role_name = NULL, @supports_net_changes = 0;
GO
SELECT is_tracked_by_cdc FROM sys.tables WHERE name IN (N'Customers', N'Agents') AND schema_id = SCHEMA_ID(N'dbo');
GO
