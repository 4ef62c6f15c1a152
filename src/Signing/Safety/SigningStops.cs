using Npgsql;

namespace Hosting.Signing.Safety;

/// <summary>An emergency stop in force: for one tenant, or for all when <see cref="Tenant"/> is null.</summary>
public sealed record EmergencyStop(string? Tenant, string Reason, string StoppedBy, DateTimeOffset StoppedAt)
{
    /// <summary>Scope, who, when and why, as refusals quote it.</summary>
    public override string ToString() =>
        $"{(Tenant is null ? "every tenant" : $"tenant {Tenant}")} stopped by {StoppedBy} at {StoppedAt:O}: {Reason}";
}

/// <summary>Data access for the table signing_stops, and nothing else.</summary>
internal static class SigningStops
{
    private const string AllTenants = "*";

    public static async Task<List<EmergencyStop>> ListAsync(NpgsqlConnection connection, CancellationToken cancellationToken)
    {
        await using var command = Sql.Command(connection, null, "select scope, reason, stopped_by, stopped_at from signing_stops order by scope");
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        var stops = new List<EmergencyStop>();
        while (await reader.ReadAsync(cancellationToken))
        {
            stops.Add(Read(reader));
        }
        return stops;
    }

    public static async Task StopAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, string? tenant, string reason, string stoppedBy, CancellationToken cancellationToken)
    {
        await using var command = Sql.Command(connection, transaction,
            "insert into signing_stops (scope, reason, stopped_by) values ($1, $2, $3) " +
            "on conflict (scope) do update set reason = excluded.reason, stopped_by = excluded.stopped_by, stopped_at = now()",
            Sql.Text(tenant ?? AllTenants), Sql.Text(reason), Sql.Text(stoppedBy));
        await command.ExecuteNonQueryAsync(cancellationToken);
    }

    /// <summary>Lifts the stop; returns false when none was in force for that scope.</summary>
    public static async Task<bool> ResumeAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, string? tenant, CancellationToken cancellationToken)
    {
        await using var command = Sql.Command(connection, transaction, "delete from signing_stops where scope = $1", Sql.Text(tenant ?? AllTenants));
        return await command.ExecuteNonQueryAsync(cancellationToken) > 0;
    }

    private static EmergencyStop Read(NpgsqlDataReader reader)
    {
        var scope = reader.GetString(0);
        return new EmergencyStop(scope == AllTenants ? null : scope, reader.GetString(1), reader.GetString(2), reader.GetFieldValue<DateTimeOffset>(3));
    }
}
