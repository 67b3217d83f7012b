-- TicketsDb and dbo.Tickets on SQL Server 2022, for the Docker deployment (scripts/setup.sh runs this with
-- sqlcmd as sa). Idempotent. Types and what Debezium (decimal.handling.mode=precise, time.precision.mode=adaptive)
-- puts on the wire:
--   INT IDENTITY   -> int32
--   NVARCHAR/VARCHAR, NVARCHAR(MAX) -> string
--   DECIMAL(10,2)  -> org.apache.kafka.connect.data.Decimal (base64 unscaled bytes, scale 2)
--   DATETIME2(6)   -> io.debezium.time.MicroTimestamp (int64 microseconds since epoch, no zone; we store UTC)
IF DB_ID(N'TicketsDb') IS NULL
    CREATE DATABASE TicketsDb;
GO
USE TicketsDb;
GO
IF OBJECT_ID(N'dbo.Tickets', N'U') IS NULL
BEGIN
    CREATE TABLE dbo.Tickets (
        TicketID      INT IDENTITY(1,1) NOT NULL CONSTRAINT PK_Tickets PRIMARY KEY,
        Title         NVARCHAR(200)  NOT NULL,
        Description   NVARCHAR(MAX)  NULL,
        Status        VARCHAR(20)    NOT NULL CONSTRAINT CK_Tickets_Status
                          CHECK (Status IN ('Open', 'InProgress', 'Resolved', 'Closed')),
        Priority      VARCHAR(20)    NOT NULL CONSTRAINT CK_Tickets_Priority
                          CHECK (Priority IN ('Low', 'Medium', 'High', 'Critical')),
        Category      NVARCHAR(50)   NOT NULL,
        CustomerID    INT            NOT NULL,
        AssignedTo    NVARCHAR(100)  NULL,
        EstimatedCost DECIMAL(10,2)  NOT NULL,
        CreatedAt     DATETIME2(6)   NOT NULL CONSTRAINT DF_Tickets_CreatedAt DEFAULT SYSUTCDATETIME(),
        UpdatedAt     DATETIME2(6)   NOT NULL CONSTRAINT DF_Tickets_UpdatedAt DEFAULT SYSUTCDATETIME(),
        ResolvedAt    DATETIME2(6)   NULL
    );
END
GO
