using System.Collections.Concurrent;
using Hosting.Contracts.Domain;
using Hosting.Contracts.Keys;
using Hosting.Contracts.Telemetry;
using Hosting.Grains.L1;
using Hosting.Grains.Slots;
using Hosting.Signing;
using Hosting.Silo.Configuration;
using Npgsql;

namespace Hosting.Silo.Keys;

/// <summary>What the silo has loaded from key custody: read by the "keys" readiness check.</summary>
/// <param name="Loaded">The first load finished: every tenant key registered at start is known here.</param>
/// <param name="Keys">Keys held for tenants (not deleted).</param>
/// <param name="Locked">Keystore keys this silo cannot sign with: no password file, or a wrong one.</param>
/// <param name="LastError">Why the last load failed, or null.</param>
public sealed record HostedKeysState(bool Loaded, int Keys, IReadOnlyList<Address> Locked, string? LastError, DateTimeOffset? LoadedAt);

/// <summary>
/// Loads the tenants' sequencer keys from key custody into this silo's <see cref="AccountKeys"/> at start: unlocks
/// keystore keys whose password file is in <see cref="KeysOptions.PasswordDirectory"/>, and lists every key (any
/// backend) as hosted so the slot pipeline ranks it and signs its duties through the gate. Retries until the
/// database answers, then reloads every <see cref="KeysOptions.ReloadSeconds"/> for keys other silos imported;
/// keys registered or deleted through this silo's custody follow at once.
/// </summary>
public sealed partial class HostedKeys(KeyCustody custody, AccountKeys keys, KeysOptions options, ILogger<HostedKeys> logger, KeyHolderDirectory? holders = null) : BackgroundService
{
    private static readonly TimeSpan RetryAfterFailure = TimeSpan.FromSeconds(2);
    private volatile HostedKeysState _state = new(false, 0, [], null, null);
    // The backend of every live key in custody: which keys this process can sign depends on it.
    private volatile ConcurrentDictionary<Address, SigningBackend> _backendOf = new();
    // What this silo last wrote to key_holders in full, and when: a reload that changed nothing writes nothing,
    // except every RepublishAfter, which puts back rows the table lost (a restored database).
    private HashSet<Address> _published = [];
    private DateTime _publishedAt;
    private DateTime _backendsPublishedAt;
    private static readonly TimeSpan RepublishAfter = TimeSpan.FromMinutes(10);
    // A load reads the key list, then applies it and rewrites key_holders. A key this silo's custody registers or
    // deletes in between is missing from (or stale in) that list: its change is kept here and applied over the list,
    // and the local state (hosted keys, backends) only ever changes under _followLock.
    private readonly Lock _followLock = new();
    private List<SigningKey>? _changedDuringLoad;
    // One write to key_holders at a time, in the order the changes were applied: a load's whole list never lands
    // after, and undoes, the row of a key registered once that list was applied.
    private readonly SemaphoreSlim _holdersWrite = new(1, 1);

    public HostedKeysState State => _state;

    /// <summary>
    /// Whether a duty of <paramref name="address"/> can be signed in this process: a keystore key unlocked here, or an
    /// HSM or vault key whose backend this silo is configured for (a PKCS#11 token is local to its machine). A key
    /// not known here gets the gate's own answer.
    /// </summary>
    public bool CanSignHere(Address address) => !_backendOf.TryGetValue(address, out var backend) || CanSign(address, backend);

    private bool CanSign(Address address, SigningBackend backend) =>
        backend == SigningBackend.Keystore ? custody.IsUnlocked(address) : custody.HasBackend(backend);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        custody.KeyChanged += Follow;
        try
        {
            while (!stoppingToken.IsCancellationRequested)
            {
                bool loaded;
                using (HostingTelemetry.ActivitySource.StartActivity("keys reload"))
                {
                    loaded = await TryLoadAsync(stoppingToken);
                }
                await Task.Delay(loaded ? TimeSpan.FromSeconds(options.ReloadSeconds) : RetryAfterFailure, stoppingToken);
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
        finally
        {
            custody.KeyChanged -= Follow;
            await ForgetHoldersAsync();
        }
    }

    /// <summary>One load: unlock what can be unlocked, then hold every live key. False when custody could not be read.</summary>
    public async Task<bool> TryLoadAsync(CancellationToken cancellationToken)
    {
        lock (_followLock)
        {
            _changedDuringLoad = [];
        }
        try
        {
            var failures = await custody.UnlockKeystoresAsync(PasswordOf, cancellationToken: cancellationToken);
            foreach (var failure in failures)
            {
                LogUnlockFailed(failure.KeystoreId, failure.Error?.Problem.ToString() ?? "unknown");
            }
            var all = await custody.ListKeysAsync(null, cancellationToken);
            await _holdersWrite.WaitAsync(cancellationToken);
            try
            {
                var (live, locked, signable) = Apply(all);
                if (holders is not null)
                {
                    if (DateTime.UtcNow - _backendsPublishedAt > RepublishAfter)
                    {
                        // The backends are fixed at start; written again now and then for a table that lost them. Every
                        // silo with custody takes keystores: a portal without custody imports them through one (IKeymanagerGrain).
                        await holders.PublishBackendsAsync([IKeymanagerGrain.Key, .. new[] { SigningBackend.Pkcs11, SigningBackend.AzureKeyVault }.Where(custody.HasBackend).Select(KeyNames.Of)], cancellationToken);
                        _backendsPublishedAt = DateTime.UtcNow;
                    }
                    if (!signable.SetEquals(_published) || DateTime.UtcNow - _publishedAt > RepublishAfter)
                    {
                        await holders.PublishAsync(signable, cancellationToken);
                        (_published, _publishedAt) = (signable, DateTime.UtcNow);
                    }
                }
                var first = !_state.Loaded;
                _state = new HostedKeysState(true, live.Count, locked, null, DateTimeOffset.UtcNow);
                if (first)
                {
                    LogLoaded(live.Count, live.Count(k => k.Backend != SigningBackend.Keystore), locked.Count);
                }
                return true;
            }
            finally
            {
                _holdersWrite.Release();
            }
        }
        catch (Exception e) when (e is NpgsqlException or TimeoutException or InvalidOperationException or System.Net.Sockets.SocketException)
        {
            _state = _state with { LastError = e.Message };
            LogLoadFailed(e.Message);
            return false;
        }
        finally
        {
            lock (_followLock)
            {
                _changedDuringLoad = null;
            }
        }
    }

    /// <summary>
    /// Makes the loaded list, with the changes this silo made since it was read, the keys hosted here; returns the
    /// live keys, the locked keystore keys and the keys this silo can sign with.
    /// </summary>
    private (List<SigningKey> Live, List<Address> Locked, HashSet<Address> Signable) Apply(IReadOnlyList<SigningKey> all)
    {
        lock (_followLock)
        {
            var byAddress = all.ToDictionary(k => k.Address);
            foreach (var changed in _changedDuringLoad ?? [])
            {
                byAddress[changed.Address] = changed;
            }
            _changedDuringLoad = null;
            var live = byAddress.Values.Where(k => k.Status != KeyStatus.Deleted).ToList();
            // Publisher keys sign L1 transactions, not duties: they are routed and listed in key_holders like the
            // rest, but never hosted as sequencers.
            var sequencers = live.Where(k => k.Purpose == KeyPurpose.Sequencer).ToList();
            foreach (var key in sequencers)
            {
                keys.HoldInCustody(key.Address, key.Tenant);
            }
            foreach (var gone in keys.InCustody.Keys.Except(sequencers.Select(k => k.Address)).ToList())
            {
                keys.ReleaseFromCustody(gone);
            }
            _backendOf = new ConcurrentDictionary<Address, SigningBackend>(live.Select(k => KeyValuePair.Create(k.Address, k.Backend)));
            var locked = live.Where(k => k.Backend == SigningBackend.Keystore && !custody.IsUnlocked(k.Address)).Select(k => k.Address).ToList();
            var signable = live.Where(k => CanSign(k.Address, k.Backend)).Select(k => k.Address).ToHashSet();
            return (live, locked, signable);
        }
    }

    private void Follow(SigningKey key)
    {
        lock (_followLock)
        {
            _changedDuringLoad?.Add(key);
            if (key.Status == KeyStatus.Deleted || key.Purpose != KeyPurpose.Sequencer)
            {
                keys.ReleaseFromCustody(key.Address);
            }
            else
            {
                keys.HoldInCustody(key.Address, key.Tenant);
            }
            if (key.Status == KeyStatus.Deleted)
            {
                _backendOf.TryRemove(key.Address, out _);
            }
            else
            {
                _backendOf[key.Address] = key.Backend;
            }
        }
        // A key imported here can sign here: say so now, so other silos route its duties here at once. One row per
        // key: a bulk import of 10,000 keys must not rewrite the whole list 10,000 times.
        _ = PublishHolderAsync(key.Address, key.Status != KeyStatus.Deleted && CanSign(key.Address, key.Backend));
    }

    private async Task PublishHolderAsync(Address address, bool canSign)
    {
        if (holders is null)
        {
            return;
        }
        await _holdersWrite.WaitAsync();
        try
        {
            if (canSign)
            {
                await holders.HoldAsync(address);
            }
            else
            {
                await holders.ReleaseAsync(address);
            }
        }
        catch (Exception e) when (e is NpgsqlException or TimeoutException or InvalidOperationException)
        {
            LogHoldersNotPublished(e.Message);
        }
        finally
        {
            _holdersWrite.Release();
        }
    }

    private async Task ForgetHoldersAsync()
    {
        if (holders is null)
        {
            return;
        }
        try
        {
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(5));
            await holders.ForgetAsync(timeout.Token);
        }
        catch (Exception e) when (e is NpgsqlException or TimeoutException or InvalidOperationException or OperationCanceledException)
        {
            LogHoldersNotPublished(e.Message);
        }
    }

    /// <summary>The password file named by the key's address, if the operator provided one. Never logged.</summary>
    private string? PasswordOf(SigningKey key)
    {
        if (options.PasswordDirectory is not { Length: > 0 } directory)
        {
            return null;
        }
        var file = Path.Combine(directory, key.Address.ToString());
        return File.Exists(file) ? File.ReadAllText(file).TrimEnd('\r', '\n') : null;
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Tenant keys loaded from key custody: {Count} keys ({Remote} in an HSM or vault), {Locked} keystore keys locked on this silo (no password file)")]
    private partial void LogLoaded(int count, int remote, int locked);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Key custody could not be read ({Reason}); the silo is not ready and tries again")]
    private partial void LogLoadFailed(string reason);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Could not update which keys this silo holds unlocked ({Reason}); other silos route by the last list until the next load")]
    private partial void LogHoldersNotPublished(string reason);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Keystore {KeystoreId} did not open with its password file: {Problem}")]
    private partial void LogUnlockFailed(string keystoreId, string problem);
}

/// <summary>Registers <see cref="HostedKeys"/>; needs key custody (AddSigningGate) and <see cref="AccountKeys"/>.</summary>
public static class HostedKeysRegistration
{
    public static IServiceCollection AddHostedKeys(this IServiceCollection services, KeysOptions options)
    {
        services.AddSingleton(options);
        // Keystore keys sign only where they are unlocked: each silo lists its own, and a key's duties from other
        // silos go to its KeySignerGrain, placed on a silo that lists it.
        services.AddSingleton<KeyHolderDirectory>();
        services.AddPlacementDirector<KeyHolderPlacement, KeyHolderPlacementDirector>();
        // HSM and vault keys are generated and destroyed on a silo configured for their backend (key_backends).
        services.AddPlacementDirector<Hosting.Grains.Keys.KeyBackendPlacement, KeyBackendPlacementDirector>();
        services.AddSingleton<HostedKeys>();
        services.AddHostedService(provider => provider.GetRequiredService<HostedKeys>());
        return services;
    }
}
