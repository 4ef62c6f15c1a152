using Microsoft.Extensions.Logging;

namespace Hosting.Cluster.Tests.L1;

/// <summary>
/// For chasing a failure: with HOSTING_TEST_SILO_LOG=&lt;file&gt; set, the chain tests' silos append their log lines
/// (the platform's from Information, everything else from Warning) to that file. Off by default.
/// </summary>
public sealed class FileLogs(string path) : ILoggerProvider
{
    private static readonly object Gate = new();

    public ILogger CreateLogger(string categoryName) => new Logger(categoryName, path);

    public void Dispose()
    {
    }

    private sealed class Logger(string category, string path) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => logLevel >= LogLevel.Warning || (category.StartsWith("Hosting", StringComparison.Ordinal) && logLevel >= LogLevel.Information);

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            if (!IsEnabled(logLevel))
            {
                return;
            }
            lock (Gate)
            {
                File.AppendAllText(path, $"{DateTime.UtcNow:HH:mm:ss.fff} {category} {logLevel}: {formatter(state, exception)} {exception}\n");
            }
        }
    }
}
