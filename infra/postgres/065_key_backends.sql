-- Which silos are configured for which key backend (src/Silo/Keys/KeyHolderDirectory.cs, docs/signing.md):
-- 'pkcs11' (an HSM token) or 'azure_key_vault'. A standalone portal, or a silo without the backend, generates and
-- destroys keys through a grain that placement puts on a live silo listed here. Each silo writes its rows when its
-- keys are first loaded (and every 10 minutes) and deletes them when it stops; rows of a silo that died are ignored
-- because placement only considers live silos. Backend names and silo names only: never a PIN or a credential.
create table if not exists key_backends (
    backend   text        not null check (backend in ('pkcs11', 'azure_key_vault')),
    silo      text        not null check (silo <> ''),
    seen_at   timestamptz not null default now(),
    primary key (backend, silo)
);
create index if not exists key_backends_silo on key_backends (silo);
