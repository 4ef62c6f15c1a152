-- The signing-safety rule as one function (src/Signing/SigningGate.cs, docs/signing.md "The rule"), so a whole
-- batch of requests is checked, recorded and audited in a single statement: with begin and commit sent in the
-- same network write, a batch whose signatures were made in advance costs one round trip and one durable commit.
-- Idempotent (create or replace); applied after 010_signing_gate.sql, whose tables it reads and writes.
--
-- Times in refusals and audit details as ISO 8601 in UTC, like the gate's own messages.
create or replace function signing_gate_time(t timestamptz) returns text
language sql immutable
as $$ select to_char(t at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"+00:00"') $$;

-- A batch never holds two requests for the same (sequencer, slot, duty): the gate defers a repeat to the key's
-- next batch, so every request here is judged against committed history only and the rule can be set-based.
--
-- For each request, in order of precedence:
--   malformed (the gate found a problem) → unknown key → tenant mismatch → key stopped / deleted →
--   emergency stop (tenant or '*') → a stored record for the duty: same payload hash → 'repeated' with the
--   stored signature, different → 'conflicting_payload' naming both hashes → slot at or below the low
--   watermark → the backend failed ('failed') → a signature made by the key's backend → 'granted' (inserted)
--   → otherwise 'to_sign': nothing written, the caller signs (still holding the locks) and calls again with it.
-- Every final verdict gets one signing_audit line; 'to_sign' gets none until it is decided.
create or replace function signing_gate_decide(
    p_node          text,
    p_stop_locks    bigint[],   -- the tenants' and '*' stop locks, taken shared
    p_key_locks     bigint[],   -- every key's lock, taken exclusively
    p_tenant        text[],
    p_requested_by  text[],
    p_sequencer     bytea[],
    p_slot          bigint[],
    p_duty          text[],
    p_payload_hash  bytea[],
    p_payload       bytea[],
    p_problem       text[],     -- not null: the request is malformed, this says why
    p_signature     bytea[],    -- a signature made before the call, or null
    p_signed_by     text[],     -- the backend that made it ('keystore', ...)
    p_failure       text[])     -- not null: the backend failed to sign, this says how
returns table (
    verdict        text,
    detail         text,
    stored_hash    bytea,
    signature      bytea,
    signer_node    text,
    signed_at      timestamptz,
    key_backend    text,
    key_reference  text)
language plpgsql volatile
as $$
declare
    lock_id bigint;
begin
    -- Stop locks shared, then key locks exclusive, each in ascending order: no cycles between batches or
    -- gates, and an emergency stop (which takes its stop lock exclusively) waits for every batch in flight.
    foreach lock_id in array (select coalesce(array_agg(distinct l order by l), '{}') from unnest(p_stop_locks) l) loop
        perform pg_advisory_xact_lock_shared(lock_id);
    end loop;
    foreach lock_id in array (select coalesce(array_agg(distinct l order by l), '{}') from unnest(p_key_locks) l) loop
        perform pg_advisory_xact_lock(lock_id);
    end loop;

    -- A new statement in a volatile function takes a new snapshot: it sees everything committed before the locks were granted.
    return query
    with request as (
        select *
        from unnest(p_tenant, p_requested_by, p_sequencer, p_slot, p_duty, p_payload_hash, p_payload, p_problem, p_signature, p_signed_by, p_failure)
             with ordinality as r(tenant, requested_by, sequencer, slot, duty, payload_hash, payload, problem, signature, signed_by, failure, i)
    ),
    judged as (
        select r.*, k.backend, k.key_reference, k.low_watermark,
               d.payload_hash as stored_hash, d.signature as stored_signature, d.signer_node as stored_node, d.signed_at as stored_at,
               s.scope as stop_scope, s.reason as stop_reason, s.stopped_by, s.stopped_at,
               case
                   when r.problem is not null then 'malformed_request'
                   when k.address is null then 'unknown_key'
                   when k.tenant <> r.tenant then 'tenant_mismatch'
                   when k.status = 'stopped' then 'key_stopped'
                   when k.status = 'deleted' then 'key_deleted'
                   when s.scope is not null then 'emergency_stop'
                   when d.sequencer is not null and d.payload_hash <> r.payload_hash then 'conflicting_payload'
                   when d.sequencer is not null then 'repeated'
                   when r.slot <= k.low_watermark then 'at_or_below_watermark'
                   when r.failure is not null then 'failed'
                   when r.signature is not null and r.signed_by = k.backend then 'granted'
                   else 'to_sign'
               end as verdict
        from request r
        left join signing_keys k on k.address = r.sequencer and r.problem is null
        left join signed_duties d on r.problem is null and d.sequencer = r.sequencer and d.slot = r.slot and d.duty = r.duty
        left join lateral (
            select * from signing_stops st where r.problem is null and st.scope in ('*', r.tenant) order by st.scope = '*' desc limit 1
        ) s on true
    ),
    explained as (
        select j.*,
               case j.verdict
                   when 'malformed_request' then j.problem
                   when 'unknown_key' then 'no key is registered for 0x' || encode(j.sequencer, 'hex')
                   when 'tenant_mismatch' then 'the key belongs to another tenant than ' || j.tenant
                   when 'key_stopped' then 'the key is stopped by an operator'
                   when 'key_deleted' then 'the key is deleted; its history is kept'
                   when 'emergency_stop' then 'emergency stop in force: '
                       || case when j.stop_scope = '*' then 'every tenant' else 'tenant ' || j.stop_scope end
                       || ' stopped by ' || j.stopped_by || ' at ' || signing_gate_time(j.stopped_at) || ': ' || j.stop_reason
                   when 'conflicting_payload' then 'payload 0x' || encode(j.stored_hash, 'hex') || ' is already signed for this duty (by '
                       || j.stored_node || ' at ' || signing_gate_time(j.stored_at) || '); refusing to sign payload 0x' || encode(j.payload_hash, 'hex')
                   when 'repeated' then 'identical payload already signed by ' || j.stored_node || ' at ' || signing_gate_time(j.stored_at)
                       || '; the stored signature is returned'
                   when 'at_or_below_watermark' then 'slot ' || j.slot || ' is at or below the key''s low watermark ' || j.low_watermark
                   when 'failed' then j.failure
                   when 'granted' then 'signed with the ' || j.backend || ' key ''' || j.key_reference || ''''
               end as detail
        from judged j
    ),
    recorded as (
        -- The primary key (sequencer, slot, duty) backs the locks up: were they ever bypassed, this fails the whole batch.
        insert into signed_duties (sequencer, slot, duty, payload_hash, signature, payload, signer_node)
        select e.sequencer, e.slot, e.duty, e.payload_hash, e.signature, e.payload, p_node
        from explained e where e.verdict = 'granted'
    ),
    audited as (
        insert into signing_audit (action, outcome, reason, tenant, requested_by, sequencer, slot, duty, payload_hash, detail, node)
        select 'sign',
               case e.verdict when 'granted' then 'granted' when 'repeated' then 'repeated' when 'failed' then 'failed' else 'refused' end,
               case e.verdict when 'granted' then null when 'repeated' then null when 'failed' then 'backend_failed' else e.verdict end,
               e.tenant, e.requested_by, e.sequencer, e.slot, e.duty, e.payload_hash, e.detail, p_node
        from explained e where e.verdict <> 'to_sign'
        order by e.i
    )
    select e.verdict, e.detail, e.stored_hash,
           case e.verdict when 'granted' then e.signature when 'repeated' then e.stored_signature end,
           case e.verdict when 'granted' then p_node when 'repeated' then e.stored_node end,
           case e.verdict when 'granted' then now() when 'repeated' then e.stored_at end,
           e.backend, e.key_reference
    from explained e
    order by e.i;
end
$$;
