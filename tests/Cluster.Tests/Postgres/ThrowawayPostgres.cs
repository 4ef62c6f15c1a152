using Hosting.TestKit;
using Npgsql;

namespace Hosting.Cluster.Tests.Postgres;

/// <summary>
/// A PostgreSQL 15 cluster of its own (initdb in a temporary directory, its own port, run as the postgres OS user when
/// the tests run as root), for tests that need a second server or must crash one; removed on dispose.
/// </summary>
public sealed class ThrowawayPostgres : IAsyncDisposable
{
    private const string Bin = "/usr/lib/postgresql/15/bin";
    private readonly string _directory;
    private readonly string[] _settings;

    private ThrowawayPostgres(string directory, int port, string[] settings)
    {
        _directory = directory;
        Port = port;
        _settings = settings;
    }

    public int Port { get; }

    /// <summary>A connection string to <paramref name="database"/> on this server (user "hosting", trust authentication).</summary>
    public string ConnectionString(string database = "postgres") =>
        new NpgsqlConnectionStringBuilder { Host = "127.0.0.1", Port = Port, Username = "hosting", Database = database, Pooling = false }.ConnectionString;

    /// <summary>Creates and starts the cluster; <paramref name="settings"/> are server settings such as "wal_writer_delay=10s".</summary>
    public static async Task<ThrowawayPostgres> StartAsync(params string[] settings)
    {
        var directory = Path.Combine(Path.GetTempPath(), $"hosting-pg-{Guid.NewGuid():N}");
        Directory.CreateDirectory(directory);
        var server = new ThrowawayPostgres(directory, FreePort.Next(), settings);
        if (Environment.UserName == "root")
        {
            (await ProcessRunner.RunAsync("chown", "postgres", directory)).EnsureSuccess("chown postgres");
        }
        (await server.AsServerAsync($"{Bin}/initdb", "-D", server.Data, "-U", "hosting", "-A", "trust", "--no-sync")).EnsureSuccess("initdb");
        await server.StartServerAsync();
        return server;
    }

    private string Data => Path.Combine(_directory, "data");

    /// <summary>Starts the server (again): after <see cref="CrashAsync"/> it runs crash recovery from the WAL on disk.</summary>
    public async Task StartServerAsync()
    {
        var options = string.Join(' ', new[] { $"-p {Port}", "-c listen_addresses=127.0.0.1", $"-c unix_socket_directories={_directory}" }
            .Concat(_settings.Select(s => $"-c {s}")));
        (await AsServerAsync($"{Bin}/pg_ctl", "-D", Data, "-o", options, "-l", Path.Combine(_directory, "log"), "-w", "-t", "60", "start"))
            .EnsureSuccess($"pg_ctl start (log: {await LogAsync()})");
    }

    /// <summary>Stops the WAL writer process (SIGSTOP), so asynchronous commits stay in WAL buffers until someone flushes them.</summary>
    public async Task PauseWalWriterAsync() => (await ProcessRunner.RunAsync("kill", "-STOP", (await WalWriterAsync()).ToString())).EnsureSuccess("kill -STOP walwriter");

    /// <summary>
    /// A PostgreSQL crash: SIGKILL to the WAL writer (the postmaster then kills every backend and drops shared memory,
    /// WAL buffers included), then <c>pg_ctl stop -m immediate</c>. Whatever was not written to the WAL files is lost.
    /// </summary>
    public async Task CrashAsync()
    {
        (await ProcessRunner.RunAsync("kill", "-KILL", (await WalWriterAsync()).ToString())).EnsureSuccess("kill -KILL walwriter");
        await AsServerAsync($"{Bin}/pg_ctl", "-D", Data, "-m", "immediate", "-w", "stop");
    }

    public async Task<string> LogAsync() => File.Exists(Path.Combine(_directory, "log")) ? await File.ReadAllTextAsync(Path.Combine(_directory, "log")) : "";

    public async ValueTask DisposeAsync()
    {
        await AsServerAsync($"{Bin}/pg_ctl", "-D", Data, "-m", "immediate", "-w", "stop");
        try
        {
            Directory.Delete(_directory, recursive: true);
        }
        catch (IOException)
        {
        }
    }

    private async Task<int> WalWriterAsync()
    {
        var postmaster = (await File.ReadAllLinesAsync(Path.Combine(Data, "postmaster.pid")))[0].Trim();
        var children = await ProcessRunner.RunAsync("pgrep", "-P", postmaster, "-f", "walwriter");
        return int.Parse(children.EnsureSuccess("pgrep walwriter").Output.Split('\n')[0], System.Globalization.CultureInfo.InvariantCulture);
    }

    // initdb and the server refuse to run as root: as root, run them as the postgres OS user.
    private Task<ProcessResult> AsServerAsync(string program, params string[] arguments) =>
        Environment.UserName == "root"
            ? ProcessRunner.RunAsync("runuser", ["-u", "postgres", "--", program, .. arguments])
            : ProcessRunner.RunAsync(program, arguments);
}
