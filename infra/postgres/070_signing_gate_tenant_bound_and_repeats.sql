-- Two changes to the signing gate's function (docs/signing.md "The rule"); 030 and 050 are applied history and
-- are not edited.
--
-- 1. A tenant's own bound on commitment authorisations per slot (its prover policy, issue 5): a new argument
--    p_tenant_max_provers carries each request's tenant bound (null: the platform's). The bound applied is the
--    smaller of the two, so the platform setting stays the ceiling. The refusal names the bound and whose it is.
-- 2. A refusal repeated while a phase lasts (the slot pipeline asks again every block) counts up on its first audit
--    line (repeats, last_seen_at) instead of adding a line per block.
--
-- The 030 signature is kept beside this one: a silo of the previous build keeps calling it during a rolling
-- upgrade and judges by the platform bound alone, which is never looser than this one. Idempotent.

alter table signing_audit add column if not exists repeats integer not null default 1 check (repeats >= 1);
alter table signing_audit add column if not exists last_seen_at timestamptz;
-- The lookup of a refusal's first line: refusals only, so grants (the bulk of the table) stay out of it.
create index if not exists signing_audit_refusals on signing_audit (sequencer, slot, duty, reason)
    where action = 'sign' and outcome = 'refused';

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
    p_max_provers   integer,    -- the platform's most commitment authorisations (provers) one sequencer signs per slot: the ceiling
    p_tenant_max_provers integer[]) -- per request: its tenant's own bound (prover policy), or null for the platform's
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
    if exists (select 1 from unnest(p_tenant_max_provers) b where b < 1) then
        raise exception 'signing_gate_decide: a tenant bound in p_tenant_max_provers is below 1: %', p_tenant_max_provers;
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
        select u.*, least(p_max_provers, coalesce(u.tenant_bound, p_max_provers)) as max_provers
        from unnest(p_tenant, p_requested_by, p_sequencer, p_slot, p_duty, p_prover, p_payload_hash, p_payload, p_problem, p_signature, p_signed_by, p_failure, p_tenant_max_provers)
             with ordinality as u(tenant, requested_by, sequencer, slot, duty, prover, payload_hash, payload, problem, signature, signed_by, failure, tenant_bound, i)
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
                   when r.duty = 'commitment_authorisation' and a.provers >= r.max_provers then 'prover_limit_reached'
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
                       || j.max_provers
                       || case when j.tenant_bound is not null and j.tenant_bound < p_max_provers
                               then ' (tenant ' || j.tenant || '''s prover policy; the platform''s ceiling is ' || p_max_provers || ')'
                               else ' (the platform''s bound)' end
                       || '; refusing to authorise prover 0x' || encode(j.prover, 'hex')
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
    -- A refusal the same key, slot, duty and prover already got for the same reason (the slot pipeline retries every
    -- block while a phase lasts) counts up on its first line instead of adding one per block. Grants, repeats,
    -- failures, malformed requests and every first refusal still get their own line. Under the key's lock, so no
    -- other batch counts the same line at once.
    counted as (
        update signing_audit sa set repeats = sa.repeats + 1, last_seen_at = now()
        from explained e
        where e.verdict not in ('granted', 'repeated', 'failed', 'to_sign', 'malformed_request')
          and sa.action = 'sign' and sa.outcome = 'refused' and sa.reason = e.verdict
          and sa.sequencer = e.sequencer and sa.slot = e.slot and sa.duty = e.duty
          and sa.prover is not distinct from nullif(e.prover, ''::bytea)
        returning e.i
    ),
    audited as (
        insert into signing_audit (action, outcome, reason, tenant, requested_by, sequencer, slot, duty, prover, payload_hash, detail, node)
        select 'sign',
               case e.verdict when 'granted' then 'granted' when 'repeated' then 'repeated' when 'failed' then 'failed' else 'refused' end,
               case e.verdict when 'granted' then null when 'repeated' then null when 'failed' then 'backend_failed' else e.verdict end,
               e.tenant, e.requested_by, e.sequencer, e.slot, e.duty, nullif(e.prover, ''::bytea), e.payload_hash, e.detail, p_node
        from explained e where e.verdict <> 'to_sign' and e.i not in (select c.i from counted c)
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

-- As 050 did for the 030 version: one generic plan instead of planning the statement on every batch.
alter function signing_gate_decide(text, bigint[], bigint[], text[], text[], bytea[], bigint[], text[], bytea[], bytea[], bytea[], text[], bytea[], text[], text[], integer, integer[])
    set plan_cache_mode = force_generic_plan;
