using Hosting.Grains;

namespace Hosting.Silo.Database;

/// <summary>Orleans' clustering, grain storage and reminders on PostgreSQL (the schema of infra/postgres).</summary>
public static class PostgresOrleans
{
    /// <summary>The ADO.NET invariant of Npgsql; the providers find its factory by this name.</summary>
    public const string Invariant = "Npgsql";

    /// <summary>Uses PostgreSQL at <paramref name="connectionString"/> for membership, the "hosting" grain storage and reminders.</summary>
    public static ISiloBuilder UsePostgres(this ISiloBuilder silo, string connectionString)
    {
        silo.UseAdoNetClustering(o =>
        {
            o.Invariant = Invariant;
            o.ConnectionString = connectionString;
        });
        silo.AddAdoNetGrainStorage(GrainStorage.Name, o =>
        {
            o.Invariant = Invariant;
            o.ConnectionString = connectionString;
        });
        silo.UseAdoNetReminderService(o =>
        {
            o.Invariant = Invariant;
            o.ConnectionString = connectionString;
        });
        return silo;
    }
}
