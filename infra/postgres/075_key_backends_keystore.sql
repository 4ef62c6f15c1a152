-- key_backends also lists 'keystore' for every silo with key custody (src/Silo/Keys/HostedKeys.cs): a portal without
-- custody (the standalone portal) runs the Keymanager API through IKeymanagerGrain, placed on a live silo listed
-- here, which decrypts the keystores and holds them unlocked. Backend and silo names only, never a password.
alter table key_backends drop constraint if exists key_backends_backend_check;
alter table key_backends add constraint key_backends_backend_check check (backend in ('pkcs11', 'azure_key_vault', 'keystore'));
