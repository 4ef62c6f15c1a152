-- Commitment authorisations per prover (docs/signing.md "The rule"). L1 takes one commitment per slot, from
-- whichever authorised prover lands first, so the slot pipeline's proof-boost fallback may authorise a further
-- prover when the chosen one does not commit. The rule becomes: one proposal per (sequencer, slot), as before;
-- one commitment authorisation per (sequencer, slot, prover), and at most p_max_provers of them per
-- (sequencer, slot).
--
-- Applied after 010 and 020 and idempotent (tests apply it twice). Nothing here drops or rewrites history:
-- existing rows keep prover = '' (empty bytea), which for a commitment authorisation means "signed before this
-- script, prover not recorded" and is judged conservatively (see the function below). 010 and 020 are applied
-- history and are not edited; this script replaces the function 020 created.

-- The prover an authorisation names (20 bytes); '' for proposals and for authorisations recorded before this script.
alter table signed_duties add column if not exists prover bytea not null default ''::bytea;

do $$
begin
    if not exists (select 1 from pg_constraint where conrelid = 'signed_duties'::regclass and conname = 'signed_duties_prover_shape') then
        alter table signed_duties add constraint signed_duties_prover_shape
            check (octet_length(prover) = 0 or (duty = 'commitment_authorisation' and octet_length(prover) = 20));
    end if;
    -- The unique key now includes the prover, so it still backs the rule up: one row per (sequencer, slot, duty, prover).
    if exists (select 1 from pg_constraint c
               where c.conrelid = 'signed_duties'::regclass and c.contype = 'p'
                 and array_length(c.conkey, 1) = 3) then
        alter table signed_duties drop constraint signed_duties_pkey;
        alter table signed_duties add constraint signed_duties_pkey primary key (sequencer, slot, duty, prover);
    end if;
end $$;

-- Which prover an audited request named (commitment authorisations), null otherwise.
alter table signing_audit add column if not exists prover bytea check (prover is null or octet_length(prover) = 20);

-- The 020 signature is dropped rather than left beside the new one: a silo still calling it would judge
-- commitment authorisations by the old key, so during a rolling upgrade older silos fail closed (their
-- requests are refused as safety_record_unavailable) instead of signing under a different rule.
drop function if exists signing_gate_decide(text, bigint[], bigint[], text[], text[], bytea[], bigint[], text[], bytea[], bytea[], text[], bytea[], text[], text[]);

-- A batch never holds two requests for the same (sequencer, slot, duty) — not even for two provers: the gate
-- defers a repeat to the key's next batch, so every request here is judged against committed history only, the
-- rule can be set-based, and the per-slot bound cannot be overrun by two requests of one batch.
--
-- For each request, in order of precedence:
--   malformed (the gate found a problem) → unknown key → tenant mismatch → key stopped / deleted →
--   emergency stop (tenant or '*') → a stored record for the same (sequencer, slot, duty, prover): same
--   payload hash → 'repeated' with the stored signature, different → 'conflicting_payload' naming both hashes →
--   (commitment authorisations) a stored record whose prover was not recorded (before 030): same payload →
--   'repeated', different → 'conflicting_payload' (it may have been this prover's) → already p_max_provers
--   authorisations for the slot → 'prover_limit_reached' naming them → slot at or below the low watermark →
--   the backend failed ('failed') → a signature made by the key's backend → 'granted' (inserted) → otherwise
--   'to_sign': nothing written, the caller signs (still holding the locks) and calls again with it.
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
    p_prover        bytea[],    -- the prover of a commitment authorisation (20 bytes); '' for a proposal
    p_payload_hash  bytea[],
    p_payload       bytea[],
    p_problem       text[],     -- not null: the request is malformed, this says why
    p_signature     bytea[],    -- a signature made before the call, or null
    p_signed_by     text[],     -- the backend that made it ('keystore', ...)
    p_failure       text[],     -- not null: the backend failed to sign, this says how
    p_max_provers   integer)    -- the most commitment authorisations (provers) one sequencer signs per slot
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
    if p_max_provers is null or p_max_provers < 1 then
        raise exception 'signing_gate_decide: p_max_provers is %, expected at least 1', p_max_provers;
    end if;
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
        from unnest(p_tenant, p_requested_by, p_sequencer, p_slot, p_duty, p_prover, p_payload_hash, p_payload, p_problem, p_signature, p_signed_by, p_failure)
             with ordinality as r(tenant, requested_by, sequencer, slot, duty, prover, payload_hash, payload, problem, signature, signed_by, failure, i)
    ),
    judged as (
        select r.*, k.backend, k.key_reference, k.low_watermark,
               d.prover as stored_prover, d.payload_hash as stored_hash, d.signature as stored_signature, d.signer_node as stored_node, d.signed_at as stored_at,
               a.provers as authorised_count, a.names as authorised_names,
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
                   when r.duty = 'commitment_authorisation' and a.provers >= p_max_provers then 'prover_limit_reached'
                   when r.slot <= k.low_watermark then 'at_or_below_watermark'
                   when r.failure is not null then 'failed'
                   when r.signature is not null and r.signed_by = k.backend then 'granted'
                   else 'to_sign'
               end as verdict
        from request r
        left join signing_keys k on k.address = r.sequencer and r.problem is null
        -- The record this request must agree with: its own (sequencer, slot, duty, prover) row, else (commitment
        -- authorisations only) a row whose prover was never recorded, the identical payload first.
        left join lateral (
            select * from signed_duties sd
            where r.problem is null and sd.sequencer = r.sequencer and sd.slot = r.slot and sd.duty = r.duty
              and (sd.prover = r.prover or (r.duty = 'commitment_authorisation' and sd.prover = ''::bytea))
            order by sd.prover = r.prover desc, sd.payload_hash = r.payload_hash desc
            limit 1
        ) d on true
        -- The slot's authorisations so far, for the bound and for the refusal that names them.
        left join lateral (
            select count(*)::integer as provers,
                   string_agg(case when sd.prover = ''::bytea then 'a prover not recorded' else '0x' || encode(sd.prover, 'hex') end, ', ' order by sd.signed_at) as names
            from signed_duties sd
            where r.problem is null and r.duty = 'commitment_authorisation'
              and sd.sequencer = r.sequencer and sd.slot = r.slot and sd.duty = 'commitment_authorisation'
        ) a on true
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
                   when 'conflicting_payload' then 'payload 0x' || encode(j.stored_hash, 'hex') || ' is already signed for this duty'
                       || case when j.duty <> 'commitment_authorisation' then ''
                               when j.stored_prover = ''::bytea then ' (prover not recorded)'
                               else ' and prover 0x' || encode(j.stored_prover, 'hex') end
                       || ' (by ' || j.stored_node || ' at ' || signing_gate_time(j.stored_at) || '); refusing to sign payload 0x' || encode(j.payload_hash, 'hex')
                   when 'repeated' then 'identical payload already signed by ' || j.stored_node || ' at ' || signing_gate_time(j.stored_at)
                       || '; the stored signature is returned'
                   when 'prover_limit_reached' then 'slot ' || j.slot || ' already has ' || j.authorised_count
                       || ' commitment authorisations (' || j.authorised_names || '), the most one sequencer signs per slot is '
                       || p_max_provers || '; refusing to authorise prover 0x' || encode(j.prover, 'hex')
                   when 'at_or_below_watermark' then 'slot ' || j.slot || ' is at or below the key''s low watermark ' || j.low_watermark
                   when 'failed' then j.failure
                   when 'granted' then 'signed with the ' || j.backend || ' key ''' || j.key_reference || ''''
               end as detail
        from judged j
    ),
    recorded as (
        -- The primary key (sequencer, slot, duty, prover) backs the locks up: were they ever bypassed, this fails the whole batch.
        insert into signed_duties (sequencer, slot, duty, prover, payload_hash, signature, payload, signer_node)
        select e.sequencer, e.slot, e.duty, e.prover, e.payload_hash, e.signature, e.payload, p_node
        from explained e where e.verdict = 'granted'
    ),
    audited as (
        insert into signing_audit (action, outcome, reason, tenant, requested_by, sequencer, slot, duty, prover, payload_hash, detail, node)
        select 'sign',
               case e.verdict when 'granted' then 'granted' when 'repeated' then 'repeated' when 'failed' then 'failed' else 'refused' end,
               case e.verdict when 'granted' then null when 'repeated' then null when 'failed' then 'backend_failed' else e.verdict end,
               e.tenant, e.requested_by, e.sequencer, e.slot, e.duty, nullif(e.prover, ''::bytea), e.payload_hash, e.detail, p_node
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
