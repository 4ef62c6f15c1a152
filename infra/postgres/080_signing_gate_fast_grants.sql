-- A fast path in front of signing_gate_decide (070) for the batch every signature at load is in: every request
-- signed ahead and plainly grantable. One statement judges and records such a batch; anything else goes to the
-- full rule, unchanged (docs/signing.md "The fast path").
--
-- Why: at 2,000 signatures/s most of PostgreSQL's CPU per batch is the per-call cost of the full rule's statement
-- (its lateral lookups for refusal texts, prover counts and repeat counting), and that CPU is the gate's p99 on two
-- cores. A grants-only statement cost about a quarter less per call (bench/gate-sql, bench/results/signing.md 18:08).
--
-- The fast statement grants a batch only if it would grant every request in it, on a condition that implies the
-- full rule's grant: a well-formed request signed ahead by its key's backend, the key registered to the request's
-- tenant and neither stopped nor deleted, no emergency stop for '*' or the tenant, no record at all for the
-- (sequencer, slot, duty) (so no conflict, no repeat, and no prover counted for the slot), and the slot above the
-- key's low watermark. Otherwise it writes nothing and the same call hands the whole batch to signing_gate_decide,
-- which takes the same locks again (advisory locks are re-entrant within a transaction) and judges it in a new
-- snapshot exactly as before. So this function answers, records and audits exactly what signing_gate_decide would;
-- tests/Signing.Tests/Gate/FastPathTests.cs checks that verdict by verdict. Idempotent.

create or replace function signing_gate_decide_fast(
    p_node          text,
    p_stop_locks    bigint[],
    p_key_locks     bigint[],
    p_tenant        text[],
    p_requested_by  text[],
    p_sequencer     bytea[],
    p_slot          bigint[],
    p_duty          text[],
    p_prover        bytea[],
    p_payload_hash  bytea[],
    p_payload       bytea[],
    p_problem       text[],
    p_signature     bytea[],
    p_signed_by     text[],
    p_failure       text[],
    p_max_provers   integer,
    p_tenant_max_provers integer[])
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
    answered bigint;
begin
    -- Bad bounds: the full rule raises the error that names them.
    if p_max_provers is not null and p_max_provers >= 1 and not coalesce(1 > any (p_tenant_max_provers), false) then
        -- The same locks in the same order as signing_gate_decide.
        foreach lock_id in array (select coalesce(array_agg(distinct l order by l), '{}') from unnest(p_stop_locks) l) loop
            perform pg_advisory_xact_lock_shared(lock_id);
        end loop;
        foreach lock_id in array (select coalesce(array_agg(distinct l order by l), '{}') from unnest(p_key_locks) l) loop
            perform pg_advisory_xact_lock(lock_id);
        end loop;

        return query
        with request as (
            select u.*
            from unnest(p_tenant, p_requested_by, p_sequencer, p_slot, p_duty, p_prover, p_payload_hash, p_payload, p_problem, p_signature, p_signed_by, p_failure)
                 with ordinality as u(tenant, requested_by, sequencer, slot, duty, prover, payload_hash, payload, problem, signature, signed_by, failure, i)
        ),
        judged as (
            select r.*, k.backend, k.key_reference,
                   'signed with the ' || k.backend || ' key ''' || k.key_reference || '''' as detail,
                   coalesce(r.problem is null and r.failure is null and r.signature is not null
                            and k.tenant = r.tenant and k.status not in ('stopped', 'deleted') and r.signed_by = k.backend
                            and (k.low_watermark is null or r.slot > k.low_watermark)
                            and d.sequencer is null
                            and not exists (select 1 from signing_stops st where st.scope in ('*', r.tenant)),
                            false) as clean
            from request r
            -- Lateral with a limit, as in the full rule: each request probes the primary keys by index, whatever the
            -- statistics said when the connection's generic plan was made. A plain join or "not exists" let a plan made
            -- on small tables hash a sequential scan of signed_duties on every call (seen in the bench: 27 ms p50).
            left join lateral (select * from signing_keys k where k.address = r.sequencer limit 1) k on true
            left join lateral (
                select sd.sequencer from signed_duties sd where sd.sequencer = r.sequencer and sd.slot = r.slot and sd.duty = r.duty limit 1
            ) d on true
        ),
        batch as (
            select coalesce(bool_and(j.clean), false) as clean from judged j
        ),
        recorded as (
            insert into signed_duties (sequencer, slot, duty, prover, payload_hash, signature, payload, signer_node)
            select j.sequencer, j.slot, j.duty, j.prover, j.payload_hash, j.signature, j.payload, p_node
            from judged j where (select b.clean from batch b)
        ),
        audited as (
            insert into signing_audit (action, outcome, reason, tenant, requested_by, sequencer, slot, duty, prover, payload_hash, detail, node)
            select 'sign', 'granted', null, j.tenant, j.requested_by, j.sequencer, j.slot, j.duty, nullif(j.prover, ''::bytea), j.payload_hash,
                   j.detail, p_node
            from judged j where (select b.clean from batch b)
            order by j.i
        )
        select 'granted'::text, j.detail, null::bytea, j.signature, p_node, now(), j.backend, j.key_reference
        from judged j where (select b.clean from batch b)
        order by j.i;

        get diagnostics answered = row_count;
        if answered > 0 then
            return;
        end if;
    end if;

    -- Not plainly grantable as a whole (or empty): the full rule decides the batch; nothing above was written.
    return query
    select d.* from signing_gate_decide(p_node, p_stop_locks, p_key_locks, p_tenant, p_requested_by, p_sequencer, p_slot, p_duty,
                                        p_prover, p_payload_hash, p_payload, p_problem, p_signature, p_signed_by, p_failure,
                                        p_max_provers, p_tenant_max_provers) d;
end
$$;

-- As 050 and 070 do for the full rule: one generic plan instead of planning the statement on every batch.
alter function signing_gate_decide_fast(text, bigint[], bigint[], text[], text[], bytea[], bigint[], text[], bytea[], bytea[], bytea[], text[], bytea[], text[], text[], integer, integer[])
    set plan_cache_mode = force_generic_plan;
