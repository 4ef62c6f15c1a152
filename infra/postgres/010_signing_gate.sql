-- The signing-safety gate (src/Signing, docs/signing.md): which keys exist, what each has signed, who asked.
-- Idempotent: the migration runner applies it at every silo start, and tests apply it themselves.
-- Every row here is history a staking provider must never lose, so nothing in this file drops or truncates.

-- One row per sequencer key. Deleting a key only sets status = 'deleted': its history stays below.
create table if not exists signing_keys (
    address        bytea       primary key check (octet_length(address) = 20),
    tenant         text        not null check (tenant <> ''),
    backend        text        not null check (backend in ('keystore', 'pkcs11', 'azure_key_vault')),
    -- Where the key lives: a keystore id, an RFC 7512 pkcs11: URI, or a Key Vault key identifier URL.
    key_reference  text        not null,
    -- The Web3 Secret Storage v3 JSON for keystore keys: ciphertext only, the password is never stored.
    keystore       text,
    status         text        not null default 'active' check (status in ('active', 'stopped', 'deleted')),
    -- New signatures at or below this slot are refused; null means no watermark.
    low_watermark  bigint      check (low_watermark >= 0),
    created_at     timestamptz not null default now(),
    updated_at     timestamptz not null default now()
);
create index if not exists signing_keys_tenant on signing_keys (tenant);

-- Everything a key has signed, committed before the signature left the signer. No foreign key to
-- signing_keys on purpose: history imported from another provider may arrive before its key does.
create table if not exists signed_duties (
    sequencer     bytea       not null check (octet_length(sequencer) = 20),
    slot          bigint      not null check (slot >= 0),
    duty          text        not null check (duty in ('proposal', 'commitment_authorisation')),
    -- keccak256(payload): the EIP-712 digest that was signed.
    payload_hash  bytea       not null check (octet_length(payload_hash) = 32),
    signature     bytea       not null check (octet_length(signature) = 65),
    -- The EIP-712 signing input 0x1901 || domainSeparator || hashStruct(message).
    payload       bytea       not null,
    signer_node   text        not null,
    signed_at     timestamptz not null default now(),
    primary key (sequencer, slot, duty)
);

-- Emergency stops: scope '*' stops every tenant, otherwise the tenant id. Resuming deletes the row;
-- the audit table keeps when and by whom it was set and lifted.
create table if not exists signing_stops (
    scope       text        primary key check (scope <> ''),
    reason      text        not null,
    stopped_by  text        not null,
    stopped_at  timestamptz not null default now()
);

-- Every request to the gate and every custody action, granted or refused. Never a key or a password.
create table if not exists signing_audit (
    id            bigint      generated always as identity primary key,
    at            timestamptz not null default now(),
    action        text        not null,
    outcome       text        not null check (outcome in ('granted', 'repeated', 'refused', 'done', 'failed')),
    reason        text,
    tenant        text,
    requested_by  text        not null,
    sequencer     bytea,
    slot          bigint,
    duty          text,
    payload_hash  bytea,
    detail        text        not null default '',
    node          text        not null
);
create index if not exists signing_audit_sequencer on signing_audit (sequencer, id);
