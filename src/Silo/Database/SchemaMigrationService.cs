using Npgsql;

namespace Hosting.Silo.Database;

/// <summary>Brings the database to the current schema before Orleans starts (it reads its queries at start).</summary>
internal sealed partial class SchemaMigrationService(NpgsqlDataSource dataSource, ILogger<SchemaMigrationService> logger) : IHostedService
{
    public async Task StartAsync(CancellationToken cancellationToken)
    {
        var result = await new SchemaMigrator(dataSource).MigrateAsync(cancellationToken);
        LogMigrated(result.Applied.Count, string.Join(", ", result.Applied), result.AlreadyCurrent.Count);
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    [LoggerMessage(Level = LogLevel.Information, Message = "Schema migrated: {AppliedCount} script(s) applied [{Applied}], {CurrentCount} already current")]
    private partial void LogMigrated(int appliedCount, string applied, int currentCount);
}
