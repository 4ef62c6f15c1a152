using System.ComponentModel;
using Hosting.TestKit;

namespace Hosting.Portal.Tests.Observability;

/// <summary>Debian's prometheus package: promtool and the server, found on PATH.</summary>
public static class PrometheusTools
{
    /// <summary>The full path of <paramref name="name"/> on PATH, or a test failure that says how to install it.</summary>
    public static string Require(string name)
    {
        var found = (Environment.GetEnvironmentVariable("PATH") ?? "")
            .Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries)
            .Select(dir => Path.Combine(dir, name))
            .FirstOrDefault(File.Exists);
        return found ?? throw new FileNotFoundException(
            $"{name} is not on PATH: install Debian's prometheus package (apt-get install prometheus), which ./hosting test does.", name);
    }

    public static async Task<ProcessResult> PromtoolAsync(IEnumerable<string> arguments, string? standardInput = null)
    {
        try
        {
            return await ProcessRunner.RunAsync(Require("promtool"), arguments, standardInput, TimeSpan.FromSeconds(30));
        }
        catch (Win32Exception e)
        {
            throw new FileNotFoundException($"promtool could not be started ({e.Message}): install Debian's prometheus package (apt-get install prometheus).", "promtool", e);
        }
    }
}
