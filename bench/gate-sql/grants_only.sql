-- A measurement, not part of the platform: a grants-only form of signing_gate_decide (infra/postgres/070) for
-- proposals, to see what PostgreSQL's per-call cost would be without the refusal bookkeeping (repeat counting,
-- the slot's prover count, the refusal texts, the stop lookup per request). Anything it would not grant it answers
-- 'slow_path' and writes nothing; a real fast path would hand those to signing_gate_decide in the same transaction.
create or replace function bench_gate_grants_only(
    p_node text, p_stop_locks bigint[], p_key_locks bigint[], p_tenant text[], p_requested_by text[], p_sequencer bytea[],
    p_slot bigint[], p_duty text[], p_prover bytea[], p_payload_hash bytea[], p_payload bytea[], p_problem text[],
    p_signature bytea[], p_signed_by text[], p_failure text[], p_max_provers integer, p_tenant_max_provers integer[])
returns table (verdict text, detail text, stored_hash bytea, signature bytea, signer_node text, signed_at timestamptz, key_backend text, key_reference text)
language plpgsql volatile as $$
declare lock_id bigint;
begin
    foreach lock_id in array p_stop_locks loop perform pg_advisory_xact_lock_shared(lock_id); end loop;
    foreach lock_id in array p_key_locks loop perform pg_advisory_xact_lock(lock_id); end loop;
    return query
    with request as (
        select u.* from unnest(p_tenant, p_requested_by, p_sequencer, p_slot, p_duty, p_prover, p_payload_hash, p_payload, p_signature, p_signed_by)
             with ordinality as u(tenant, requested_by, sequencer, slot, duty, prover, payload_hash, payload, signature, signed_by, i)
    ),
    judged as (
        select r.*, k.backend, k.key_reference,
               case when k.backend is null or k.tenant <> r.tenant or k.status <> 'active' or r.slot <= k.low_watermark
                         or r.signed_by <> k.backend or r.duty <> 'proposal'
                         or exists (select 1 from signed_duties sd where sd.sequencer = r.sequencer and sd.slot = r.slot and sd.duty = r.duty)
                         or exists (select 1 from signing_stops st where st.scope in ('*', r.tenant))
                    then 'slow_path' else 'granted' end as verdict
        from request r
        left join lateral (select * from signing_keys k where k.address = r.sequencer) k on true
    ),
    recorded as (
        insert into signed_duties (sequencer, slot, duty, prover, payload_hash, signature, payload, signer_node)
        select j.sequencer, j.slot, j.duty, j.prover, j.payload_hash, j.signature, j.payload, p_node from judged j where j.verdict = 'granted'
    ),
    audited as (
        insert into signing_audit (action, outcome, tenant, requested_by, sequencer, slot, duty, payload_hash, detail, node)
        select 'sign', 'granted', j.tenant, j.requested_by, j.sequencer, j.slot, j.duty, j.payload_hash,
               'signed with the ' || j.backend || ' key ''' || j.key_reference || '''', p_node
        from judged j where j.verdict = 'granted' order by j.i
    )
    select j.verdict, null::text, null::bytea, j.signature, p_node, now(), j.backend, j.key_reference from judged j order by j.i;
end $$;
alter function bench_gate_grants_only(text, bigint[], bigint[], text[], text[], bytea[], bigint[], text[], bytea[], bytea[], bytea[], text[], bytea[], text[], text[], integer, integer[]) set plan_cache_mode = force_generic_plan;
