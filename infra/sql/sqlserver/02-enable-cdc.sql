-- Change data capture for TicketsDb and dbo.Tickets (what Debezium's SQL Server connector reads).
-- Needs SQL Server Agent running (MSSQL_AGENT_ENABLED=true): sp_cdc_enable_db creates the capture and
-- cleanup jobs, and without the Agent no change ever reaches the change tables ("No maximum LSN recorded").
-- Idempotent: each step is guarded, as in Debezium's own test helper.
USE TicketsDb;
GO
IF EXISTS (SELECT 1 FROM sys.databases WHERE name = N'TicketsDb' AND is_cdc_enabled = 0)
    EXEC sys.sp_cdc_enable_db;
GO
IF NOT EXISTS (SELECT 1 FROM sys.tables WHERE name = N'Tickets' AND schema_id = SCHEMA_ID(N'dbo') AND is_tracked_by_cdc = 1)
    EXEC sys.sp_cdc_enable_table
         @source_schema        = N'dbo',
         @source_name          = N'Tickets',
         @role_name            = NULL,       -- no gating role: the connector logs in as sa in this dev setup
         @supports_net_changes = 0;
GO
-- Checks (setup.sh fails unless both print 1).
SELECT is_cdc_enabled FROM sys.databases WHERE name = N'TicketsDb';
SELECT is_tracked_by_cdc FROM sys.tables WHERE name = N'Tickets' AND schema_id = SCHEMA_ID(N'dbo');
GO
