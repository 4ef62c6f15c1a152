using Hosting.Contracts.Domain;
using Hosting.Grains.Slots;
using Hosting.Signing;
using Npgsql;
using Orleans.Runtime.Placement;

namespace Hosting.Silo.Keys;

/// <summary>
/// Which silos can sign with which keys (table <c>key_holders</c>, infra/postgres/040_key_holders.sql): keystore keys unlocked there, HSM and vault keys whose backend is configured there.
/// Each silo rewrites its own rows after every key load and deletes them when it stops; the placement director
/// reads them to put a key's <see cref="KeySignerGrain"/> where the key can sign. Addresses and silo names only.
/// </summary>
public sealed class KeyHolderDirectory([FromKeyedServices(SigningServiceCollectionExtensions.DataSourceKey)] NpgsqlDataSource dataSource, ILocalSiloDetails silo)
{
    /// <summary>This silo's name in the table: its parsable silo address (what placement compares with).</summary>
    public string Silo => silo.SiloAddress.ToParsableString();

    /// <summary>
    /// Makes <paramref name="unlocked"/> exactly the keys listed for this silo, in one transaction. Rows already there
    /// are left alone, so a reload that changed nothing writes nothing.
    /// </summary>
    public async Task PublishAsync(IReadOnlyCollection<Address> unlocked, CancellationToken cancellationToken = default)
    {
        var addresses = unlocked.Select(a => a.ToArray()).ToArray();
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await using var batch = new NpgsqlBatch(connection)
        {
            BatchCommands =
            {
                // "not in (select ...)" runs as one hashed anti-join; "<> all($2)" would compare every row with the whole array.
                new NpgsqlBatchCommand("delete from key_holders where silo = $1 and address not in (select unnest($2::bytea[]))")
                {
                    Parameters = { new() { Value = Silo }, new() { Value = addresses } },
                },
                new NpgsqlBatchCommand(
                    "insert into key_holders (address, silo) select a, $2 from unnest($1::bytea[]) a on conflict (address, silo) do nothing")
                {
                    Parameters = { new() { Value = addresses }, new() { Value = Silo } },
                },
            },
        };
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        batch.Transaction = transaction;
        await batch.ExecuteNonQueryAsync(cancellationToken);
        await transaction.CommitAsync(cancellationToken);
    }

    /// <summary>Lists one key as unlocked here (it was just imported through this silo): one row, not the whole list.</summary>
    public async Task HoldAsync(Address address, CancellationToken cancellationToken = default)
    {
        await using var command = dataSource.CreateCommand(
            "insert into key_holders (address, silo) values ($1, $2) on conflict (address, silo) do update set seen_at = now()");
        command.Parameters.Add(new NpgsqlParameter { Value = address.ToArray() });
        command.Parameters.Add(new NpgsqlParameter { Value = Silo });
        await command.ExecuteNonQueryAsync(cancellationToken);
    }

    /// <summary>Takes one key off this silo's list (it was deleted from custody).</summary>
    public async Task ReleaseAsync(Address address, CancellationToken cancellationToken = default)
    {
        await using var command = dataSource.CreateCommand("delete from key_holders where address = $1 and silo = $2");
        command.Parameters.Add(new NpgsqlParameter { Value = address.ToArray() });
        command.Parameters.Add(new NpgsqlParameter { Value = Silo });
        await command.ExecuteNonQueryAsync(cancellationToken);
    }

    /// <summary>Removes this silo's rows (it stops: its keys go with its memory), and its backends (065_key_backends.sql).</summary>
    public async Task ForgetAsync(CancellationToken cancellationToken = default)
    {
        await using var batch = new NpgsqlBatch
        {
            BatchCommands =
            {
                new NpgsqlBatchCommand("delete from key_holders where silo = $1") { Parameters = { new() { Value = Silo } } },
                new NpgsqlBatchCommand("delete from key_backends where silo = $1") { Parameters = { new() { Value = Silo } } },
            },
        };
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        batch.Connection = connection;
        await batch.ExecuteNonQueryAsync(cancellationToken);
    }

    /// <summary>Makes <paramref name="backends"/> (API names: pkcs11, azure_key_vault) exactly the backends listed for this silo.</summary>
    public async Task PublishBackendsAsync(IReadOnlyCollection<string> backends, CancellationToken cancellationToken = default)
    {
        var names = backends.ToArray();
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        await using var batch = new NpgsqlBatch(connection, transaction)
        {
            BatchCommands =
            {
                new NpgsqlBatchCommand("delete from key_backends where silo = $1 and backend <> all($2)")
                {
                    Parameters = { new() { Value = Silo }, new() { Value = names } },
                },
                new NpgsqlBatchCommand("insert into key_backends (backend, silo) select b, $2 from unnest($1::text[]) b on conflict (backend, silo) do update set seen_at = now()")
                {
                    Parameters = { new() { Value = names }, new() { Value = Silo } },
                },
            },
        };
        await batch.ExecuteNonQueryAsync(cancellationToken);
        await transaction.CommitAsync(cancellationToken);
    }

    /// <summary>The silos that listed <paramref name="backend"/> as configured (some may have died since).</summary>
    public async Task<IReadOnlySet<string>> BackendSilosAsync(string backend, CancellationToken cancellationToken = default)
    {
        await using var command = dataSource.CreateCommand("select silo from key_backends where backend = $1");
        command.Parameters.Add(new NpgsqlParameter { Value = backend });
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        var silos = new HashSet<string>(StringComparer.Ordinal);
        while (await reader.ReadAsync(cancellationToken))
        {
            silos.Add(reader.GetString(0));
        }
        return silos;
    }

    /// <summary>The silos that listed <paramref name="address"/> as unlocked (some may have died since).</summary>
    public async Task<IReadOnlySet<string>> HoldersAsync(Address address, CancellationToken cancellationToken = default)
    {
        await using var command = dataSource.CreateCommand("select silo from key_holders where address = $1");
        command.Parameters.Add(new NpgsqlParameter { Value = address.ToArray() });
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        var silos = new HashSet<string>(StringComparer.Ordinal);
        while (await reader.ReadAsync(cancellationToken))
        {
            silos.Add(reader.GetString(0));
        }
        return silos;
    }
}

/// <summary>
/// Places a key's <see cref="KeySignerGrain"/> on a live silo listed as holding the key unlocked (this one when it
/// does), else on this silo, where the duty fails naming the locked key. Runs once per activation, so one short
/// query; if the database does not answer the grain is placed here and the gate (same database) refuses anyway.
/// </summary>
public sealed partial class KeyHolderPlacementDirector(KeyHolderDirectory directory, ILogger<KeyHolderPlacementDirector> logger) : IPlacementDirector
{
    public async Task<SiloAddress> OnAddActivation(PlacementStrategy strategy, PlacementTarget target, IPlacementContext context)
    {
        var compatible = context.GetCompatibleSilos(target);
        var fallback = SiloChoice.PreferLocal(compatible, context.LocalSilo);
        if (!Address.TryParse(target.GrainIdentity.Key.ToString(), out var address))
        {
            return fallback;
        }
        IReadOnlySet<string> holders;
        try
        {
            holders = await directory.HoldersAsync(address);
        }
        catch (Exception e) when (e is NpgsqlException or TimeoutException or InvalidOperationException)
        {
            LogDirectoryUnavailable(address, e.Message);
            return fallback;
        }
        var live = SiloChoice.Listed(compatible, holders);
        if (live.Length == 0)
        {
            LogNoHolder(address);
            return fallback;
        }
        return SiloChoice.PreferLocal(live, context.LocalSilo);
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "No live silo holds key {Address} unlocked; its duties are tried on this silo, where they fail until a silo with its password file joins")]
    private partial void LogNoHolder(Address address);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Could not read which silos hold key {Address} ({Reason}); placing its signer here")]
    private partial void LogDirectoryUnavailable(Address address, string reason);
}

/// <summary>
/// Places a backend's <see cref="Hosting.Grains.Keys.KeyBackendGrain"/> on a live silo listed as configured for it
/// (this one when it is), else on this silo, where the grain answers that no silo has the backend.
/// </summary>
/// <remarks>A silo without key custody (no PostgreSQL) has no directory: it places the grain here, where it answers that the backend is not configured.</remarks>
public sealed partial class KeyBackendPlacementDirector(ILogger<KeyBackendPlacementDirector> logger, KeyHolderDirectory? directory = null) : IPlacementDirector
{
    public async Task<SiloAddress> OnAddActivation(PlacementStrategy strategy, PlacementTarget target, IPlacementContext context)
    {
        var compatible = context.GetCompatibleSilos(target);
        var fallback = SiloChoice.PreferLocal(compatible, context.LocalSilo);
        var backend = target.GrainIdentity.Key.ToString()!;
        if (directory is null)
        {
            return fallback;
        }
        IReadOnlySet<string> configured;
        try
        {
            configured = await directory.BackendSilosAsync(backend);
        }
        catch (Exception e) when (e is NpgsqlException or TimeoutException or InvalidOperationException)
        {
            LogDirectoryUnavailable(backend, e.Message);
            return fallback;
        }
        var live = SiloChoice.Listed(compatible, configured);
        if (live.Length == 0)
        {
            LogNoSilo(backend);
            return fallback;
        }
        return SiloChoice.PreferLocal(live, context.LocalSilo);
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "No live silo is configured for the {Backend} key backend; generating or destroying its keys fails until one joins")]
    private partial void LogNoSilo(string backend);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Could not read which silos have the {Backend} key backend ({Reason}); placing its grain here")]
    private partial void LogDirectoryUnavailable(string backend, string reason);
}

/// <summary>How both key placement directors pick among silos: this one when it qualifies, else any at random.</summary>
internal static class SiloChoice
{
    public static SiloAddress PreferLocal(SiloAddress[] silos, SiloAddress local) =>
        silos.Contains(local) ? local : silos[Random.Shared.Next(silos.Length)];

    /// <summary>The compatible silos that <paramref name="listed"/> names (by their parsable address).</summary>
    public static SiloAddress[] Listed(SiloAddress[] compatible, IReadOnlySet<string> listed) =>
        compatible.Where(s => listed.Contains(s.ToParsableString())).ToArray();
}
