-- The signing gate's function (030) runs one large statement per batch. PostgreSQL's plan cache kept choosing a
-- custom plan for it, i.e. planning the whole statement again on every batch: about 1.3 ms of the 2 ms the call
-- took on an idle 2-core machine (measured with psql \timing, 12 calls in one session; a generic plan: 0.7 ms).
-- The statement's lookups are equalities on primary keys, so the generic plan is the same plan without the
-- planning. Idempotent: setting it again changes nothing.
alter function signing_gate_decide(text, bigint[], bigint[], text[], text[], bytea[], bigint[], text[], bytea[], bytea[], bytea[], text[], bytea[], text[], text[], integer)
    set plan_cache_mode = force_generic_plan;
