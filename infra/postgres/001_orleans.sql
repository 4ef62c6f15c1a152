-- Orleans on PostgreSQL: the tables behind ADO.NET clustering, grain storage and reminders, and the
-- OrleansQuery rows those three providers read at start (invariant "Npgsql").
--
-- Written for this project from the providers' contract: each provider reads `SELECT QueryKey, QueryText
-- FROM OrleansQuery`, runs the text for a key with named parameters (@DeploymentId, @GrainIdHash, ...)
-- and reads result columns by name (Version, Address, PayloadBinary, NewGrainStateVersion, ...). The
-- keys, parameters and columns are listed beside each query below.
--
-- Idempotent: `Hosting.Silo migrate` may run it any number of times; query texts are replaced, tables
-- and rows are kept. Everything lives in the default schema (the providers do not support another).

create table if not exists OrleansQuery (
    QueryKey  varchar(64) primary key,
    QueryText text        not null
);

------------------------------------------------------------------------------------------------------
-- Clustering: one version row per cluster (the membership table's etag) and one row per silo.
------------------------------------------------------------------------------------------------------

create table if not exists orleans_membership_version (
    deployment_id varchar(150) primary key,
    version       integer      not null default 0,
    updated_at    timestamptz  not null default now()
);

create table if not exists orleans_membership (
    deployment_id   varchar(150) not null references orleans_membership_version (deployment_id),
    address         varchar(45)  not null,
    port            integer      not null,
    generation      integer      not null,
    silo_name       varchar(150) not null,
    host_name       varchar(150) not null,
    -- Orleans' SiloStatus: 1 Created, 2 Joining, 3 Active, 4 ShuttingDown, 5 Stopping, 6 Dead.
    status          integer      not null,
    proxy_port      integer,
    -- "silo,time|silo,time": who suspects this silo and since when, as the provider writes it.
    suspect_times   text,
    start_time      timestamptz  not null,
    i_am_alive_time timestamptz  not null,
    primary key (deployment_id, address, port, generation)
);

-- Bump the cluster's version if it still is @expected, then add the silo. False when another silo
-- changed the table first (the provider re-reads and retries) or the silo is already there.
create or replace function orleans_membership_insert(
    p_deployment_id text, p_address text, p_port integer, p_generation integer, p_silo_name text,
    p_host_name text, p_status integer, p_proxy_port integer, p_start_time timestamptz,
    p_i_am_alive_time timestamptz, p_expected integer) returns boolean
language plpgsql as $$
begin
    update orleans_membership_version set version = version + 1, updated_at = now()
     where deployment_id = p_deployment_id and version = p_expected;
    if not found then
        return false;
    end if;
    insert into orleans_membership (deployment_id, address, port, generation, silo_name, host_name, status,
                                    proxy_port, start_time, i_am_alive_time)
    values (p_deployment_id, p_address, p_port, p_generation, p_silo_name, p_host_name, p_status,
            p_proxy_port, p_start_time, p_i_am_alive_time)
    on conflict do nothing;
    if not found then
        -- Undo the version bump: nothing changed.
        raise exception using errcode = 'P0001', message = 'orleans_membership_insert: silo already present';
    end if;
    return true;
exception when sqlstate 'P0001' then
    return false;
end $$;

-- Bump the cluster's version if it still is @expected, then change the silo's status and suspicions.
create or replace function orleans_membership_update(
    p_deployment_id text, p_address text, p_port integer, p_generation integer, p_status integer,
    p_suspect_times text, p_i_am_alive_time timestamptz, p_expected integer) returns boolean
language plpgsql as $$
begin
    update orleans_membership_version set version = version + 1, updated_at = now()
     where deployment_id = p_deployment_id and version = p_expected;
    if not found then
        return false;
    end if;
    update orleans_membership
       set status = p_status, suspect_times = p_suspect_times, i_am_alive_time = p_i_am_alive_time
     where deployment_id = p_deployment_id and address = p_address and port = p_port and generation = p_generation;
    if not found then
        raise exception using errcode = 'P0001', message = 'orleans_membership_update: no such silo';
    end if;
    return true;
exception when sqlstate 'P0001' then
    return false;
end $$;

------------------------------------------------------------------------------------------------------
-- Grain storage: one row per grain state. The natural key is (service, grain type, grain id); the
-- provider's hashes are kept for a narrow index.
------------------------------------------------------------------------------------------------------

create table if not exists orleans_storage (
    service_id          varchar(150) not null,
    grain_type_hash     integer      not null,
    grain_type          varchar(512) not null,
    grain_id_hash       integer      not null,
    grain_id_n0         bigint       not null,
    grain_id_n1         bigint       not null,
    grain_id_extension  varchar(512),
    payload             bytea,
    -- The etag: 1 on first write, +1 on every write or clear.
    version             integer      not null,
    modified_at         timestamptz  not null default now()
);
create unique index if not exists orleans_storage_key on orleans_storage
    (grain_id_hash, grain_type_hash, service_id, grain_type, grain_id_n0, grain_id_n1, coalesce(grain_id_extension, ''));

-- Write a grain's state if the caller holds the current etag (null: the row must not exist yet).
-- Returns the new etag, or null on a conflict (the provider raises InconsistentStateException).
create or replace function orleans_storage_write(
    p_grain_id_hash integer, p_grain_id_n0 bigint, p_grain_id_n1 bigint, p_grain_type_hash integer,
    p_grain_type text, p_grain_id_extension text, p_service_id text, p_expected integer, p_payload bytea)
    returns integer
language plpgsql as $$
declare
    written integer;
begin
    if p_expected is null then
        insert into orleans_storage (service_id, grain_type_hash, grain_type, grain_id_hash, grain_id_n0, grain_id_n1,
                                     grain_id_extension, payload, version)
        values (p_service_id, p_grain_type_hash, p_grain_type, p_grain_id_hash, p_grain_id_n0, p_grain_id_n1,
                p_grain_id_extension, p_payload, 1)
        on conflict do nothing
        returning version into written;
        return written;
    end if;
    update orleans_storage
       set payload = p_payload, version = version + 1, modified_at = now()
     where grain_id_hash = p_grain_id_hash and grain_type_hash = p_grain_type_hash and service_id = p_service_id
       and grain_type = p_grain_type and grain_id_n0 = p_grain_id_n0 and grain_id_n1 = p_grain_id_n1
       and coalesce(grain_id_extension, '') = coalesce(p_grain_id_extension, '') and version = p_expected
    returning version into written;
    return written;
end $$;

------------------------------------------------------------------------------------------------------
-- Reminders: one row per (service, grain, reminder name). grain_id is "type/key" (keep keys short).
------------------------------------------------------------------------------------------------------

create table if not exists orleans_reminders (
    service_id     varchar(150) not null,
    grain_id       varchar(150) not null,
    reminder_name  varchar(150) not null,
    start_time     timestamptz  not null,
    period_ms      bigint       not null,
    grain_hash     integer      not null,
    version        integer      not null,
    primary key (service_id, grain_id, reminder_name)
);
create index if not exists orleans_reminders_range on orleans_reminders (service_id, grain_hash);

------------------------------------------------------------------------------------------------------
-- The query texts. Parameters are the providers' names; result columns are aliased to the names the
-- providers read.
------------------------------------------------------------------------------------------------------

insert into OrleansQuery (QueryKey, QueryText) values

-- Clustering ---------------------------------------------------------------------------------------
-- (@DeploymentId, @Status) -> Address, ProxyPort, Generation of every active gateway.
('GatewaysQueryKey', $q$
select address as "Address", proxy_port as "ProxyPort", generation as "Generation"
  from orleans_membership
 where deployment_id = @DeploymentId and status = @Status and proxy_port > 0
$q$),

-- (@DeploymentId, @Address, @Port, @Generation) -> the table version, joined to that silo's row if any.
('MembershipReadRowKey', $q$
select v.version as "Version", m.address as "Address", m.port as "Port", m.generation as "Generation",
       m.silo_name as "SiloName", m.host_name as "HostName", m.status as "Status", m.proxy_port as "ProxyPort",
       m.suspect_times as "SuspectTimes", m.start_time as "StartTime", m.i_am_alive_time as "IAmAliveTime"
  from orleans_membership_version v
  left join orleans_membership m
    on m.deployment_id = v.deployment_id and m.address = @Address and m.port = @Port and m.generation = @Generation
 where v.deployment_id = @DeploymentId
$q$),

-- (@DeploymentId) -> the table version, joined to every silo's row (one row with nulls when empty).
('MembershipReadAllKey', $q$
select v.version as "Version", m.address as "Address", m.port as "Port", m.generation as "Generation",
       m.silo_name as "SiloName", m.host_name as "HostName", m.status as "Status", m.proxy_port as "ProxyPort",
       m.suspect_times as "SuspectTimes", m.start_time as "StartTime", m.i_am_alive_time as "IAmAliveTime"
  from orleans_membership_version v
  left join orleans_membership m on m.deployment_id = v.deployment_id
 where v.deployment_id = @DeploymentId
$q$),

-- (@DeploymentId) -> true when this call created the cluster's version row.
('InsertMembershipVersionKey', $q$
with created as (
    insert into orleans_membership_version (deployment_id) values (@DeploymentId)
    on conflict do nothing returning 1)
select exists (select 1 from created)
$q$),

-- (@DeploymentId, @Address, @Port, @Generation, @IAmAliveTime): a silo's heartbeat; not versioned.
('UpdateIAmAlivetimeKey', $q$
update orleans_membership set i_am_alive_time = @IAmAliveTime
 where deployment_id = @DeploymentId and address = @Address and port = @Port and generation = @Generation
$q$),

-- (@DeploymentId, @Address, @Port, @Generation, @SiloName, @HostName, @Status, @ProxyPort, @StartTime,
--  @IAmAliveTime, @Version) -> true when inserted at that table version.
('InsertMembershipKey', $q$
select orleans_membership_insert(@DeploymentId, @Address, @Port, @Generation, @SiloName, @HostName, @Status,
                                 @ProxyPort, @StartTime, @IAmAliveTime, @Version)
$q$),

-- (@DeploymentId, @Address, @Port, @Generation, @Status, @SuspectTimes, @IAmAliveTime, @Version)
-- -> true when updated at that table version.
('UpdateMembershipKey', $q$
select orleans_membership_update(@DeploymentId, @Address, @Port, @Generation, @Status,
                                 cast(@SuspectTimes as text), @IAmAliveTime, @Version)
$q$),

-- (@DeploymentId): forget the whole cluster (used by tests and cluster resets).
('DeleteMembershipTableEntriesKey', $q$
delete from orleans_membership where deployment_id = @DeploymentId;
delete from orleans_membership_version where deployment_id = @DeploymentId
$q$),

-- (@DeploymentId, @IAmAliveTime): drop silos that are not active and have been silent since then.
('CleanupDefunctSiloEntriesKey', $q$
delete from orleans_membership
 where deployment_id = @DeploymentId and i_am_alive_time < @IAmAliveTime and status <> 3
$q$),

-- Grain storage ------------------------------------------------------------------------------------
-- Every storage query gets @GrainIdHash, @GrainIdN0, @GrainIdN1, @GrainTypeHash, @GrainTypeString,
-- @GrainIdExtensionString (null for non-string keys) and @ServiceId.

-- -> PayloadBinary, Version of the grain's state; no row when it was never written.
('ReadFromStorageKey', $q$
select payload as "PayloadBinary", version as "Version"
  from orleans_storage
 where grain_id_hash = @GrainIdHash and grain_type_hash = @GrainTypeHash and service_id = @ServiceId
   and grain_type = @GrainTypeString and grain_id_n0 = @GrainIdN0 and grain_id_n1 = @GrainIdN1
   and coalesce(grain_id_extension, '') = coalesce(cast(@GrainIdExtensionString as text), '')
$q$),

-- + @GrainStateVersion (the etag held, null if none), @PayloadBinary -> NewGrainStateVersion (null on conflict).
('WriteToStorageKey', $q$
select orleans_storage_write(@GrainIdHash, @GrainIdN0, @GrainIdN1, @GrainTypeHash, @GrainTypeString,
                             cast(@GrainIdExtensionString as text), @ServiceId, cast(@GrainStateVersion as integer),
                             @PayloadBinary) as "NewGrainStateVersion"
$q$),

-- + @GrainStateVersion -> the new etag after emptying the state (the row and its etag stay).
('ClearStorageKey', $q$
update orleans_storage set payload = null, version = version + 1, modified_at = now()
 where grain_id_hash = @GrainIdHash and grain_type_hash = @GrainTypeHash and service_id = @ServiceId
   and grain_type = @GrainTypeString and grain_id_n0 = @GrainIdN0 and grain_id_n1 = @GrainIdN1
   and coalesce(grain_id_extension, '') = coalesce(cast(@GrainIdExtensionString as text), '')
   and version = cast(@GrainStateVersion as integer)
returning version
$q$),

-- + @GrainStateVersion -> etag + 1 after deleting the row (DeleteStateOnClear).
('DeleteStorageKey', $q$
delete from orleans_storage
 where grain_id_hash = @GrainIdHash and grain_type_hash = @GrainTypeHash and service_id = @ServiceId
   and grain_type = @GrainTypeString and grain_id_n0 = @GrainIdN0 and grain_id_n1 = @GrainIdN1
   and coalesce(grain_id_extension, '') = coalesce(cast(@GrainIdExtensionString as text), '')
   and version = cast(@GrainStateVersion as integer)
returning version + 1
$q$),

-- Reminders ----------------------------------------------------------------------------------------
-- (@ServiceId, @GrainId) -> GrainId, ReminderName, StartTime, Period, Version of the grain's reminders.
('ReadReminderRowsKey', $q$
select grain_id as "GrainId", reminder_name as "ReminderName", start_time as "StartTime",
       period_ms as "Period", version as "Version"
  from orleans_reminders
 where service_id = @ServiceId and grain_id = @GrainId
$q$),

-- (@ServiceId, @BeginHash, @EndHash), begin < end: the ring range (begin, end].
('ReadRangeRows1Key', $q$
select grain_id as "GrainId", reminder_name as "ReminderName", start_time as "StartTime",
       period_ms as "Period", version as "Version"
  from orleans_reminders
 where service_id = @ServiceId and grain_hash > @BeginHash and grain_hash <= @EndHash
$q$),

-- (@ServiceId, @BeginHash, @EndHash), begin >= end: the range wraps around the ring.
('ReadRangeRows2Key', $q$
select grain_id as "GrainId", reminder_name as "ReminderName", start_time as "StartTime",
       period_ms as "Period", version as "Version"
  from orleans_reminders
 where service_id = @ServiceId and (grain_hash > @BeginHash or grain_hash <= @EndHash)
$q$),

-- (@ServiceId, @GrainId, @ReminderName) -> that one reminder.
('ReadReminderRowKey', $q$
select grain_id as "GrainId", reminder_name as "ReminderName", start_time as "StartTime",
       period_ms as "Period", version as "Version"
  from orleans_reminders
 where service_id = @ServiceId and grain_id = @GrainId and reminder_name = @ReminderName
$q$),

-- (@ServiceId, @GrainHash, @GrainId, @ReminderName, @StartTime, @Period) -> Version after the upsert.
('UpsertReminderRowKey', $q$
insert into orleans_reminders (service_id, grain_id, reminder_name, start_time, period_ms, grain_hash, version)
values (@ServiceId, @GrainId, @ReminderName, @StartTime, @Period, @GrainHash, 0)
on conflict (service_id, grain_id, reminder_name) do update
   set start_time = excluded.start_time, period_ms = excluded.period_ms, grain_hash = excluded.grain_hash,
       version = orleans_reminders.version + 1
returning version as "Version"
$q$),

-- (@ServiceId, @GrainId, @ReminderName, @Version) -> true when that version was deleted.
('DeleteReminderRowKey', $q$
with deleted as (
    delete from orleans_reminders
     where service_id = @ServiceId and grain_id = @GrainId and reminder_name = @ReminderName and version = @Version
    returning 1)
select exists (select 1 from deleted)
$q$),

-- (@ServiceId): every reminder of the service (used by tests and resets).
('DeleteReminderRowsKey', $q$
delete from orleans_reminders where service_id = @ServiceId
$q$)

on conflict (QueryKey) do update set QueryText = excluded.QueryText;
