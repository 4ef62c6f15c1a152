using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using Hosting.TestKit;

namespace Hosting.Cluster.Tests.Slots;

/// <summary>
/// One of the repository's programs started from its build output (`dotnet X.dll`) with its output lines kept for
/// assertions. Disposing stops it (SIGTERM, then kill after a few seconds); <see cref="KillHard"/> is `kill -9`.
/// </summary>
public class ChildProcess : IAsyncDisposable
{
    private readonly Process _process;
    private readonly ConcurrentQueue<(DateTime At, string Text)> _lines = new();

    protected ChildProcess(string name, string program, IReadOnlyDictionary<string, string> environment, IEnumerable<string> arguments)
    {
        Name = name;
        var info = new ProcessStartInfo("dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        info.ArgumentList.Add(program);
        foreach (var argument in arguments)
        {
            info.ArgumentList.Add(argument);
        }
        foreach (var (key, value) in environment)
        {
            info.Environment[key] = value;
        }
        _process = new Process { StartInfo = info };
        _process.OutputDataReceived += (_, e) => Add(e.Data);
        _process.ErrorDataReceived += (_, e) => Add(e.Data);
        _process.Start();
        _process.BeginOutputReadLine();
        _process.BeginErrorReadLine();
    }

    public string Name { get; }

    public int Id => _process.Id;

    public IReadOnlyCollection<string> Lines => _lines.Select(l => l.Text).ToList();

    /// <summary>When the program first printed a line containing <paramref name="text"/> (UTC, as read by the test), if it did.</summary>
    public DateTime? FirstPrinted(string text) =>
        _lines.FirstOrDefault(l => l.Text.Contains(text, StringComparison.Ordinal)) is { Text: not null } line ? line.At : null;

    public bool HasExited => _process.HasExited;

    /// <summary>A program's build output, in the configuration the tests were built in.</summary>
    public static string BuildOutput(string project, string assembly)
    {
        var configuration = new DirectoryInfo(AppContext.BaseDirectory.TrimEnd(Path.DirectorySeparatorChar)).Parent!.Name;
        return RepositoryRoot.Combine("src", project, "bin", configuration, "net10.0", assembly);
    }

    /// <summary>Waits for the program to print a line containing <paramref name="text"/>; false on timeout or exit.</summary>
    public async Task<bool> WaitForAsync(string text, TimeSpan timeout)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (DateTime.UtcNow < deadline)
        {
            if (Printed(text))
            {
                return true;
            }
            if (_process.HasExited)
            {
                await Task.Delay(100);
                return Printed(text);
            }
            await Task.Delay(50);
        }
        return false;
    }

    /// <summary>Runs the program to its exit (for start-up errors); returns the exit code.</summary>
    public async Task<int> ExitCodeAsync(TimeSpan timeout)
    {
        using var cancel = new CancellationTokenSource(timeout);
        await _process.WaitForExitAsync(cancel.Token);
        _process.WaitForExit();
        return _process.ExitCode;
    }

    public bool Printed(string text) => _lines.Any(l => l.Text.Contains(text, StringComparison.Ordinal));

    /// <summary>SIGKILL (what `kill -9` sends): no shutdown, no last write, sockets left to the kernel to close.</summary>
    public void KillHard()
    {
        if (!_process.HasExited)
        {
            _process.Kill();
            _process.WaitForExit();
        }
    }

    private void Add(string? line)
    {
        if (line is not null)
        {
            _lines.Enqueue((DateTime.UtcNow, line));
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (!_process.HasExited)
        {
            // SIGTERM: the programs stop gracefully and say so.
            Process.Start("kill", ["-TERM", _process.Id.ToString(CultureInfo.InvariantCulture)])?.WaitForExit();
            using var grace = new CancellationTokenSource(TimeSpan.FromSeconds(5));
            try
            {
                await _process.WaitForExitAsync(grace.Token);
            }
            catch (OperationCanceledException)
            {
                _process.Kill(entireProcessTree: true);
            }
        }
        _process.Dispose();
        GC.SuppressFinalize(this);
    }
}
