using Hosting.Contracts.Domain;
using Hosting.Contracts.Telemetry;
using Hosting.Signing.Keystore;
using Hosting.Signing.Safety;
using Npgsql;

namespace Hosting.Signing;

/// <summary>A keystore registered by <see cref="KeyCustody.RegisterKeystoresAsync"/>, or why it was not.</summary>
public sealed record KeystoreRegistration(int Index, string KeystoreId, SigningKey? Key, Exception? Error);

/// <summary>
/// Everything an operator does to keys besides signing: register them for a tenant, stop and resume them,
/// raise their low watermark, emergency stops, export and import history, delete. Every action runs in one
/// transaction under the key's (or the stop scope's) advisory lock, the same locks the <see cref="SigningGate"/>
/// takes, and is audited with who asked. History is never deleted.
/// </summary>
public sealed class KeyCustody(NpgsqlDataSource dataSource, IEnumerable<IKeyBackend> backends, SigningGateOptions? options = null)
{
    private readonly Dictionary<SigningBackend, IKeyBackend> _backends = backends.ToDictionary(b => b.Backend);
    private readonly string _node = (options ?? new SigningGateOptions()).NodeName;

    /// <summary>
    /// Raised in this process after a key was registered or deleted here (committed), so the silo's list of hosted
    /// keys follows at once; keys changed by other silos arrive with their periodic reload.
    /// </summary>
    public event Action<SigningKey>? KeyChanged;

    /// <summary>Whether the keystore key of <paramref name="address"/> is unlocked (decrypted) in this process.</summary>
    public bool IsUnlocked(Address address) =>
        _backends.TryGetValue(SigningBackend.Keystore, out var keystore) && ((KeystoreBackend)keystore).IsUnlocked(address);

    /// <summary>
    /// Registers the HSM or vault key <paramref name="keyReference"/> for <paramref name="tenant"/>: the backend is
    /// asked for its public key, so the address is the key's own. Refused (and audited) when the address is a live
    /// key of another tenant.
    /// </summary>
    public async Task<SigningKey> RegisterAsync(string tenant, SigningBackend backend, string keyReference, string requestedBy, CancellationToken cancellationToken = default, KeyPurpose purpose = KeyPurpose.Sequencer)
    {
        if (backend == SigningBackend.Keystore)
        {
            throw new ArgumentException("Keystore keys are registered with RegisterKeystoreAsync, which needs the keystore and its password.", nameof(backend));
        }
        var address = await Backend(backend).ResolveAddressAsync(keyReference, cancellationToken).ConfigureAwait(false);
        return await SaveAsync(tenant, address, backend, keyReference, null, purpose, requestedBy, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Whether a backend of that kind is configured in this process.</summary>
    public bool HasBackend(SigningBackend backend) => _backends.ContainsKey(backend);

    /// <summary>Whether the configured backend of that kind can make keys inside itself (<see cref="GenerateKeyAsync"/>).</summary>
    public bool CanGenerate(SigningBackend backend) => _backends.TryGetValue(backend, out var found) && found.GeneratesKeys;

    /// <summary>
    /// Makes a new key inside <paramref name="backend"/> (an HSM: secp256k1, sensitive, never extractable) labelled
    /// <paramref name="label"/> and registers it for <paramref name="tenant"/>. Audited either way. When the backend
    /// fails nothing is recorded; when the registration fails the new key is destroyed in the backend again.
    /// </summary>
    /// <exception cref="KeyBackendException">The backend could not make the key (token missing, login refused, label taken).</exception>
    /// <exception cref="InvalidOperationException">No such backend is configured, or it does not generate keys.</exception>
    public async Task<SigningKey> GenerateKeyAsync(string tenant, SigningBackend backend, string label, string requestedBy, CancellationToken cancellationToken = default, KeyPurpose purpose = KeyPurpose.Sequencer)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(tenant);
        ArgumentException.ThrowIfNullOrWhiteSpace(label);
        ArgumentException.ThrowIfNullOrWhiteSpace(requestedBy);
        var found = Backend(backend);
        if (!found.GeneratesKeys)
        {
            throw new InvalidOperationException($"The {KeyNames.Of(backend)} backend does not generate keys; import them instead.");
        }
        string reference;
        Address address;
        try
        {
            (reference, address) = await found.GenerateKeyAsync(label, cancellationToken).ConfigureAwait(false);
        }
        catch (KeyBackendException failure)
        {
            await AuditAsync(new AuditEntry("generate_key", "failed", "backend_failed", tenant, requestedBy, Detail: $"{KeyNames.Of(backend)} key '{label}': {failure.Message}"), cancellationToken).ConfigureAwait(false);
            throw;
        }
        try
        {
            await AuditAsync(new AuditEntry("generate_key", "done", null, tenant, requestedBy, address, Detail: $"{KeyNames.Of(backend)} key '{reference}' made inside the backend"), cancellationToken).ConfigureAwait(false);
            return await SaveAsync(tenant, address, backend, reference, null, purpose, requestedBy, cancellationToken).ConfigureAwait(false);
        }
        catch
        {
            // A key nobody holds must not stay behind in the HSM; CancellationToken.None: the caller may be gone.
            await found.DestroyGeneratedKeyAsync(reference, CancellationToken.None).ConfigureAwait(false);
            throw;
        }
    }

    /// <summary>
    /// Registers a Web3 Secret Storage v3 keystore for <paramref name="tenant"/>: decrypts it (proving the password),
    /// keeps the key unlocked in the <see cref="KeystoreBackend"/> and stores the ciphertext (never the password).
    /// </summary>
    public async Task<SigningKey> RegisterKeystoreAsync(string tenant, string keystoreJson, string password, string requestedBy, CancellationToken cancellationToken = default, KeyPurpose purpose = KeyPurpose.Sequencer)
    {
        var result = (await RegisterKeystoresAsync(tenant, [new KeystoreInput(keystoreJson, password)], requestedBy, 1, cancellationToken, purpose).ConfigureAwait(false))[0];
        return result.Error is { } error ? throw error : result.Key!;
    }

    /// <summary>
    /// Registers many keystores for one tenant: decrypts them in parallel on <paramref name="parallelism"/> dedicated
    /// threads (every core by default) without blocking the caller, then records each. One bad file fails only its entry.
    /// </summary>
    public async Task<IReadOnlyList<KeystoreRegistration>> RegisterKeystoresAsync(string tenant, IReadOnlyList<KeystoreInput> keystores, string requestedBy, int? parallelism = null, CancellationToken cancellationToken = default, KeyPurpose purpose = KeyPurpose.Sequencer)
    {
        var backend = (KeystoreBackend)Backend(SigningBackend.Keystore);
        var unlocked = await backend.UnlockManyAsync(keystores, parallelism, cancellationToken).ConfigureAwait(false);
        var registrations = new KeystoreRegistration[unlocked.Count];
        foreach (var result in unlocked)
        {
            if (result.Error is { } error)
            {
                await AuditAsync(new AuditEntry("register_key", "failed", "keystore_" + error.Problem.ToString().ToLowerInvariant(), tenant, requestedBy, Detail: error.Message), cancellationToken).ConfigureAwait(false);
                registrations[result.Index] = new KeystoreRegistration(result.Index, result.KeystoreId, null, error);
                continue;
            }
            try
            {
                var key = await SaveAsync(tenant, result.Address!.Value, SigningBackend.Keystore, result.KeystoreId, keystores[result.Index].Json, purpose, requestedBy, cancellationToken).ConfigureAwait(false);
                registrations[result.Index] = new KeystoreRegistration(result.Index, result.KeystoreId, key, null);
            }
            catch (Exception refused) when (refused is KeyCustodyException or KeyPurposeConflictException)
            {
                // Locked again only if it was not already held for its own purpose before this request.
                if (await FindKeyAsync(result.Address!.Value, cancellationToken).ConfigureAwait(false) is not { Status: not KeyStatus.Deleted } held || held.Tenant != tenant)
                {
                    backend.Lock(result.Address!.Value);
                }
                registrations[result.Index] = new KeystoreRegistration(result.Index, result.KeystoreId, null, refused);
            }
        }
        return registrations;
    }

    /// <summary>
    /// Unlocks the registered keystore keys after a restart: reads their ciphertext and asks <paramref name="passwordOf"/>
    /// for each key's password (null skips the key). Returns the keys that did not open, with the reason.
    /// </summary>
    public async Task<IReadOnlyList<KeystoreUnlock>> UnlockKeystoresAsync(Func<SigningKey, string?> passwordOf, int? parallelism = null, CancellationToken cancellationToken = default)
    {
        var backend = (KeystoreBackend)Backend(SigningBackend.Keystore);
        var inputs = new List<KeystoreInput>();
        await using (var connection = await dataSource.OpenConnectionAsync(cancellationToken).ConfigureAwait(false))
        {
            foreach (var key in await SigningKeys.ListAsync(connection, null, cancellationToken).ConfigureAwait(false))
            {
                if (key.Backend != SigningBackend.Keystore || key.Status == KeyStatus.Deleted || backend.IsUnlocked(key.Address) || passwordOf(key) is not { } password)
                {
                    continue;
                }
                if (await SigningKeys.FindKeystoreAsync(connection, key.Address, cancellationToken).ConfigureAwait(false) is { } json)
                {
                    inputs.Add(new KeystoreInput(json, password));
                }
            }
        }
        var results = await backend.UnlockManyAsync(inputs, parallelism, cancellationToken).ConfigureAwait(false);
        return results.Where(r => r.Error is not null).ToList();
    }

    /// <summary>
    /// Signs the digest of an L1 transaction with the publisher key <paramref name="publisher"/> of <paramref name="tenant"/>.
    /// Only publisher keys, active, of that tenant: a sequencer key never signs here (its duties go through the gate).
    /// The publisher grain records the signed transaction before it sends it; nothing is recorded here.
    /// </summary>
    /// <exception cref="KeyCustodyException">No such publisher key of that tenant, or it is stopped or deleted.</exception>
    /// <exception cref="KeyBackendException">The key is locked in this process, or its backend failed or is not configured here.</exception>
    public async Task<Signature> SignPublisherTransactionAsync(string tenant, Address publisher, Hash32 digest, CancellationToken cancellationToken = default)
    {
        var key = await FindKeyAsync(publisher, cancellationToken).ConfigureAwait(false);
        var (refusal, why) = key is null || key.Purpose != KeyPurpose.Publisher ? (SigningRefusal.UnknownKey, $"custody holds no publisher key {publisher}")
            : key.Tenant != tenant ? (SigningRefusal.TenantMismatch, $"publisher key {publisher} belongs to another tenant than {tenant}")
            : key.Status == KeyStatus.Stopped ? (SigningRefusal.KeyStopped, $"publisher key {publisher} is stopped by an operator")
            : key.Status == KeyStatus.Deleted ? (SigningRefusal.KeyDeleted, $"publisher key {publisher} is deleted")
            : ((SigningRefusal?)null, "");
        if (refusal is { } refused)
        {
            throw new KeyCustodyException(refused, publisher, $"Signing a transaction of {publisher} refused: {why}.");
        }
        if (!_backends.TryGetValue(key!.Backend, out var backend))
        {
            throw new KeyBackendFailedException(key.Backend, $"Publisher key {publisher} lives in the {KeyNames.Of(key.Backend)} backend, which is not configured in this process.");
        }
        return await backend.SignDigestAsync(key, digest, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Whether the key of <paramref name="address"/>, held in <paramref name="backend"/>, can sign in this process.</summary>
    public bool CanSignHere(Address address, SigningBackend backend) =>
        backend == SigningBackend.Keystore ? IsUnlocked(address) : HasBackend(backend);

    /// <summary>Stops one key: the gate refuses it until <see cref="ResumeKeyAsync"/>. Waits for its signatures in flight.</summary>
    public Task StopKeyAsync(string tenant, Address key, string reason, string requestedBy, CancellationToken cancellationToken = default) =>
        ChangeKeyAsync(tenant, key, "stop_key", requestedBy, reason, async (connection, transaction, found) =>
        {
            if (found.Status == KeyStatus.Deleted)
            {
                throw new InvalidOperationException($"Key {key} is deleted; there is nothing to stop.");
            }
            await SigningKeys.SetStatusAsync(connection, transaction, key, KeyStatus.Stopped, cancellationToken).ConfigureAwait(false);
        }, cancellationToken);

    /// <summary>Lets a stopped key sign again.</summary>
    public Task ResumeKeyAsync(string tenant, Address key, string requestedBy, CancellationToken cancellationToken = default) =>
        ChangeKeyAsync(tenant, key, "resume_key", requestedBy, "", async (connection, transaction, found) =>
        {
            if (found.Status == KeyStatus.Deleted)
            {
                throw new InvalidOperationException($"Key {key} is deleted; register it again to sign with it.");
            }
            await SigningKeys.SetStatusAsync(connection, transaction, key, KeyStatus.Active, cancellationToken).ConfigureAwait(false);
        }, cancellationToken);

    /// <summary>
    /// Refuses every new signature of <paramref name="key"/> at or below <paramref name="slot"/>. A watermark only
    /// rises: a lower value than the current one is refused, because lowering it could re-open signed slots.
    /// </summary>
    public Task RaiseLowWatermarkAsync(string tenant, Address key, ulong slot, string requestedBy, CancellationToken cancellationToken = default) =>
        ChangeKeyAsync(tenant, key, "raise_watermark", requestedBy, $"low watermark to slot {slot}", async (connection, transaction, found) =>
        {
            if (found.LowWatermark is { } current && current > slot)
            {
                throw new InvalidOperationException($"Key {key} already has low watermark {current}; a watermark only rises, so {slot} is refused.");
            }
            await SigningKeys.SetWatermarkAsync(connection, transaction, key, slot, cancellationToken).ConfigureAwait(false);
        }, cancellationToken);

    /// <summary>
    /// Deletes a key from signing: stops it (committed first, so no signature can begin after this returns), exports
    /// its history, then marks it deleted and drops its keystore ciphertext. Returns the interchange file; the history
    /// stays in the safety database.
    /// </summary>
    public async Task<string> DeleteKeyAsync(string tenant, Address key, string requestedBy, CancellationToken cancellationToken = default)
    {
        var current = await FindKeyAsync(key, cancellationToken).ConfigureAwait(false);
        if (current?.Status != KeyStatus.Stopped)
        {
            await StopKeyAsync(tenant, key, "deleting the key", requestedBy, cancellationToken).ConfigureAwait(false);
        }
        var export = await ExportHistoryAsync([key], cancellationToken).ConfigureAwait(false);
        await ChangeKeyAsync(tenant, key, "delete_key", requestedBy, "history exported and kept", async (connection, transaction, found) =>
            await SigningKeys.SetStatusAsync(connection, transaction, key, KeyStatus.Deleted, cancellationToken).ConfigureAwait(false), cancellationToken).ConfigureAwait(false);
        if (_backends.TryGetValue(SigningBackend.Keystore, out var keystore))
        {
            ((KeystoreBackend)keystore).Lock(key);
        }
        if (await FindKeyAsync(key, cancellationToken).ConfigureAwait(false) is { } deleted)
        {
            KeyChanged?.Invoke(deleted);
        }
        return export;
    }

    /// <summary>
    /// Removes a deleted key the platform generated (<see cref="GenerateKeyAsync"/>) from its backend: the private and
    /// public key objects in the PKCS#11 token, the key in the vault. Only after <see cref="DeleteKeyAsync"/> (stopped,
    /// history exported and kept), and never for a key an operator brought by reference: that one is theirs. Audited
    /// (<c>destroy_key</c>) either way. Returns the key and what the backend did (a vault may keep it recoverable until purged).
    /// </summary>
    /// <exception cref="KeyCustodyException">Unknown key, another tenant's, not deleted, a keystore key, or not generated here.</exception>
    /// <exception cref="KeyBackendException">The backend could not destroy it; the key stays deleted in custody, so it never signs again.</exception>
    /// <exception cref="InvalidOperationException">The key's backend is not configured in this process.</exception>
    public async Task<DestroyedKey> DestroyDeletedKeyAsync(string tenant, Address address, string requestedBy, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(tenant);
        ArgumentException.ThrowIfNullOrWhiteSpace(requestedBy);
        var key = await FindKeyAsync(address, cancellationToken).ConfigureAwait(false);
        var (refusal, why) = key is null ? (SigningRefusal.UnknownKey, $"no key is registered for {address}")
            : key.Tenant != tenant ? (SigningRefusal.TenantMismatch, $"the key belongs to another tenant than {tenant}")
            : key.Status != KeyStatus.Deleted ? (SigningRefusal.KeyStopped, $"the key is {key.Status.ToString().ToLowerInvariant()}, not deleted; delete it first so it stops signing and its history is exported")
            : key.Backend == SigningBackend.Keystore ? (SigningRefusal.UnknownKey, "a keystore key lives in its file, not in a backend; deleting it dropped its ciphertext")
            : !await WasGeneratedAsync(address, cancellationToken).ConfigureAwait(false) ? (SigningRefusal.UnknownKey, $"the platform did not generate this {KeyNames.Of(key.Backend)} key (it was registered by reference), so it stays in the backend")
            : ((SigningRefusal?)null, "");
        if (refusal is { } refused)
        {
            await AuditAsync(new AuditEntry("destroy_key", "refused", refused.Code(), tenant, requestedBy, address, Detail: why), cancellationToken).ConfigureAwait(false);
            throw new KeyCustodyException(refused, address, $"destroy key for {address} refused: {why}.");
        }
        var found = key!;
        string outcome;
        try
        {
            outcome = await Backend(found.Backend).DestroyGeneratedKeyAsync(found.KeyReference, cancellationToken).ConfigureAwait(false);
        }
        catch (KeyBackendException failure)
        {
            await AuditAsync(new AuditEntry("destroy_key", "failed", "backend_failed", tenant, requestedBy, address, Detail: $"{KeyNames.Of(found.Backend)} key '{found.KeyReference}': {failure.Message}"), cancellationToken).ConfigureAwait(false);
            throw;
        }
        await AuditAsync(new AuditEntry("destroy_key", "done", null, tenant, requestedBy, address, Detail: $"{KeyNames.Of(found.Backend)} key '{found.KeyReference}': {outcome}; its history is kept"), cancellationToken).ConfigureAwait(false);
        return new DestroyedKey(found, outcome);
    }

    /// <summary>Whether the platform made this key inside its backend (the audit trail holds its <c>generate_key</c>).</summary>
    public async Task<bool> WasGeneratedAsync(Address address, CancellationToken cancellationToken = default)
    {
        await using var command = dataSource.CreateCommand(
            "select exists (select 1 from signing_audit where sequencer = $1 and action = 'generate_key' and outcome = 'done')");
        command.Parameters.Add(new NpgsqlParameter { Value = address.ToArray() });
        return (bool)(await command.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false))!;
    }

    /// <summary>Stops signing for one tenant, or for every tenant when <paramref name="tenant"/> is null; waits for the signatures in flight.</summary>
    public async Task EmergencyStopAsync(string? tenant, string reason, string requestedBy, CancellationToken cancellationToken = default)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken).ConfigureAwait(false);
        await SafetyLocks.LockStopScopeAsync(connection, transaction, tenant, cancellationToken).ConfigureAwait(false);
        await SigningStops.StopAsync(connection, transaction, tenant, reason, requestedBy, cancellationToken).ConfigureAwait(false);
        await AuditTrail.AppendAsync(connection, transaction, new AuditEntry("emergency_stop", "done", null, tenant, requestedBy, Detail: reason), _node, cancellationToken).ConfigureAwait(false);
        await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Lifts an emergency stop; false when none was in force for that scope.</summary>
    public async Task<bool> LiftEmergencyStopAsync(string? tenant, string requestedBy, CancellationToken cancellationToken = default)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken).ConfigureAwait(false);
        await SafetyLocks.LockStopScopeAsync(connection, transaction, tenant, cancellationToken).ConfigureAwait(false);
        var lifted = await SigningStops.ResumeAsync(connection, transaction, tenant, cancellationToken).ConfigureAwait(false);
        await AuditTrail.AppendAsync(connection, transaction, new AuditEntry("lift_emergency_stop", lifted ? "done" : "failed", lifted ? null : "no_stop_in_force", tenant, requestedBy), _node, cancellationToken).ConfigureAwait(false);
        await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
        return lifted;
    }

    /// <summary>The emergency stops in force.</summary>
    public async Task<IReadOnlyList<EmergencyStop>> ListEmergencyStopsAsync(CancellationToken cancellationToken = default)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        return await SigningStops.ListAsync(connection, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>The interchange file (docs/signing.md) of the given keys' signed duties.</summary>
    public async Task<string> ExportHistoryAsync(IEnumerable<Address> keys, CancellationToken cancellationToken = default)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        var entries = new List<(SigningKey?, Address, IReadOnlyList<SignedDutyRecord>)>();
        foreach (var key in keys.Distinct())
        {
            var found = await SigningKeys.FindAsync(connection, null, key, cancellationToken).ConfigureAwait(false);
            entries.Add((found, key, await SignedDuties.ListAsync(connection, null, key, cancellationToken).ConfigureAwait(false)));
        }
        return DutyInterchange.From(entries, _node, DateTimeOffset.UtcNow).ToJson();
    }

    /// <summary>
    /// Imports an interchange file: each key's records are added under its lock (checked first: hash against payload,
    /// signature against sequencer); a record that conflicts with a stored one is kept out and reported; a key's low
    /// watermark rises to the file's. Keys need not be registered yet.
    /// </summary>
    /// <exception cref="FormatException">The file does not parse or a record does not hold together; nothing was imported.</exception>
    public async Task<HistoryImport> ImportHistoryAsync(string interchangeJson, string requestedBy, CancellationToken cancellationToken = default)
    {
        var file = DutyInterchange.Parse(interchangeJson);
        int added = 0, present = 0;
        var conflicts = new List<string>();
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        foreach (var entry in file.Data)
        {
            await using var transaction = await connection.BeginTransactionAsync(cancellationToken).ConfigureAwait(false);
            await SafetyLocks.LockKeyAsync(connection, transaction, entry.Sequencer, cancellationToken).ConfigureAwait(false);
            int keyAdded = 0, keyConflicts = 0;
            foreach (var duty in entry.SignedDuties)
            {
                var record = duty.ToRecord(entry.Sequencer, file.Metadata.Version);
                var outcome = await SignedDuties.AddImportedAsync(connection, transaction, record, cancellationToken).ConfigureAwait(false);
                switch (outcome.Kind)
                {
                    case SignedDuties.ImportKind.Added:
                        keyAdded++;
                        break;
                    case SignedDuties.ImportKind.AlreadyPresent:
                        present++;
                        break;
                    default:
                        keyConflicts++;
                        conflicts.Add($"sequencer {entry.Sequencer} slot {record.Slot} {DutyNames.Of(record.Duty)}{(record.Prover is { } prover ? $" prover {prover}" : "")}: the file has payload {record.PayloadHash}, the safety record {outcome.Stored!.PayloadHash}; the stored record is kept");
                        break;
                }
            }
            if (entry.ParsedLowWatermark is { } watermark
                && await SigningKeys.FindAsync(connection, transaction, entry.Sequencer, cancellationToken).ConfigureAwait(false) is { } key
                && (key.LowWatermark ?? 0) < watermark)
            {
                await SigningKeys.SetWatermarkAsync(connection, transaction, entry.Sequencer, watermark, cancellationToken).ConfigureAwait(false);
            }
            await AuditTrail.AppendAsync(connection, transaction, new AuditEntry("import_history", "done", keyConflicts > 0 ? "conflicts_kept_out" : null, entry.Tenant, requestedBy, entry.Sequencer,
                Detail: $"{keyAdded} records added, {keyConflicts} conflicting records kept out, from {file.Metadata.ExportedBy} at {file.Metadata.ExportedAt}"), _node, cancellationToken).ConfigureAwait(false);
            await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
            added += keyAdded;
        }
        return new HistoryImport(added, present, conflicts);
    }

    /// <summary>The registered key at <paramref name="address"/>, or null.</summary>
    public async Task<SigningKey?> FindKeyAsync(Address address, CancellationToken cancellationToken = default)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        return await SigningKeys.FindAsync(connection, null, address, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>The keys of one tenant, or of all tenants when <paramref name="tenant"/> is null.</summary>
    public async Task<IReadOnlyList<SigningKey>> ListKeysAsync(string? tenant, CancellationToken cancellationToken = default)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        return await SigningKeys.ListAsync(connection, tenant, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Everything <paramref name="key"/> has signed, oldest slot first.</summary>
    public async Task<IReadOnlyList<SignedDutyRecord>> HistoryAsync(Address key, CancellationToken cancellationToken = default)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        return await SignedDuties.ListAsync(connection, null, key, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>The newest audit lines first, optionally for one sequencer.</summary>
    public async Task<IReadOnlyList<AuditRecord>> ReadAuditAsync(Address? sequencer = null, int limit = 100, CancellationToken cancellationToken = default)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        return await AuditTrail.ListAsync(connection, sequencer, limit, cancellationToken).ConfigureAwait(false);
    }

    private IKeyBackend Backend(SigningBackend backend) => _backends.TryGetValue(backend, out var found)
        ? found
        : throw new InvalidOperationException($"No {KeyNames.Of(backend)} backend is configured in this signer.");

    private async Task<SigningKey> SaveAsync(string tenant, Address address, SigningBackend backend, string keyReference, string? keystore, KeyPurpose purpose, string requestedBy, CancellationToken cancellationToken)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(tenant);
        ArgumentException.ThrowIfNullOrWhiteSpace(requestedBy);
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken).ConfigureAwait(false);
        await SafetyLocks.LockKeyAsync(connection, transaction, address, cancellationToken).ConfigureAwait(false);
        var existing = await SigningKeys.FindAsync(connection, transaction, address, cancellationToken).ConfigureAwait(false);
        if (existing is { Status: not KeyStatus.Deleted } && existing.Tenant != tenant)
        {
            var detail = $"the key is registered to another tenant; {tenant} cannot register it";
            await AuditTrail.AppendAsync(connection, transaction, new AuditEntry("register_key", "refused", SigningRefusal.TenantMismatch.Code(), tenant, requestedBy, address, Detail: detail), _node, cancellationToken).ConfigureAwait(false);
            await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
            throw new KeyCustodyException(SigningRefusal.TenantMismatch, address, $"Registering {address} for tenant {tenant} refused: {detail}.");
        }
        if (existing is { Status: not KeyStatus.Deleted } && existing.Purpose != purpose)
        {
            var detail = $"the key is held as a {KeyNames.Of(existing.Purpose)} key; it cannot also be a {KeyNames.Of(purpose)} key";
            await AuditTrail.AppendAsync(connection, transaction, new AuditEntry("register_key", "refused", "purpose_conflict", tenant, requestedBy, address, Detail: detail), _node, cancellationToken).ConfigureAwait(false);
            await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
            throw new KeyPurposeConflictException(address, existing.Purpose, $"Registering {address} as a {KeyNames.Of(purpose)} key refused: {detail}.");
        }
        if (existing is { Status: KeyStatus.Stopped })
        {
            // Registering again replaces where the key lives, not an operator's stop.
            await SigningKeys.SaveAsync(connection, transaction, address, tenant, backend, keyReference, keystore, purpose, cancellationToken).ConfigureAwait(false);
            await SigningKeys.SetStatusAsync(connection, transaction, address, KeyStatus.Stopped, cancellationToken).ConfigureAwait(false);
        }
        else
        {
            await SigningKeys.SaveAsync(connection, transaction, address, tenant, backend, keyReference, keystore, purpose, cancellationToken).ConfigureAwait(false);
        }
        await AuditTrail.AppendAsync(connection, transaction, new AuditEntry("register_key", "done", null, tenant, requestedBy, address,
            Detail: $"{KeyNames.Of(backend)} {KeyNames.Of(purpose)} key '{keyReference}'{(existing is { Status: KeyStatus.Deleted } ? " (registered again after deletion)" : "")}"), _node, cancellationToken).ConfigureAwait(false);
        var saved = await SigningKeys.FindAsync(connection, transaction, address, cancellationToken).ConfigureAwait(false);
        await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
        KeyChanged?.Invoke(saved!);
        return saved!;
    }

    private async Task ChangeKeyAsync(string tenant, Address key, string action, string requestedBy, string detail, Func<NpgsqlConnection, NpgsqlTransaction, SigningKey, Task> change, CancellationToken cancellationToken)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(tenant);
        ArgumentException.ThrowIfNullOrWhiteSpace(requestedBy);
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken).ConfigureAwait(false);
        await SafetyLocks.LockKeyAsync(connection, transaction, key, cancellationToken).ConfigureAwait(false);
        var found = await SigningKeys.FindAsync(connection, transaction, key, cancellationToken).ConfigureAwait(false);
        var (refusal, why) = found is null ? (SigningRefusal.UnknownKey, $"no key is registered for {key}")
            : found.Tenant != tenant ? (SigningRefusal.TenantMismatch, $"the key belongs to another tenant than {tenant}")
            : ((SigningRefusal?)null, "");
        if (refusal is { } refused)
        {
            await AuditTrail.AppendAsync(connection, transaction, new AuditEntry(action, "refused", refused.Code(), tenant, requestedBy, key, Detail: why), _node, cancellationToken).ConfigureAwait(false);
            await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
            throw new KeyCustodyException(refused, key, $"{action.Replace('_', ' ')} for {key} refused: {why}.");
        }
        await change(connection, transaction, found!).ConfigureAwait(false);
        await AuditTrail.AppendAsync(connection, transaction, new AuditEntry(action, "done", null, tenant, requestedBy, key, Detail: detail), _node, cancellationToken).ConfigureAwait(false);
        await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
    }

    private async Task AuditAsync(AuditEntry entry, CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        await AuditTrail.AppendAsync(connection, null, entry, _node, cancellationToken).ConfigureAwait(false);
    }
}
