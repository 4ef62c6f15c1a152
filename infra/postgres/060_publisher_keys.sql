-- What a key in custody is for (src/Signing/SigningKey.cs KeyPurpose): a sequencer key signs duties through the
-- signing-safety gate; a publisher key signs the L1 transactions of one of the tenant's publisher accounts
-- (docs/l1-follower.md). Same custody, same ciphertext-only storage, same key_holders routing; never both.
alter table signing_keys add column if not exists purpose text not null default 'sequencer'
    check (purpose in ('sequencer', 'publisher'));
