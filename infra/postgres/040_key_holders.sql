-- Which silos hold which keystore keys unlocked (src/Silo/Keys/KeyHolderDirectory.cs, docs/signing.md).
-- A keystore key is decrypted only in the memory of a process that had its password; a slot grain on another
-- silo routes the duty to a silo listed here. Each silo rewrites its own rows after every key load and removes
-- them when it stops; rows of a silo that died are ignored because placement only considers live silos.
-- Only addresses and silo names: never a key or a password.
create table if not exists key_holders (
    address   bytea       not null check (octet_length(address) = 20),
    silo      text        not null check (silo <> ''),
    seen_at   timestamptz not null default now(),
    primary key (address, silo)
);
create index if not exists key_holders_silo on key_holders (silo);
