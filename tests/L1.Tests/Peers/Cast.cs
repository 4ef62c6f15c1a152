using System.Text;
using Hosting.TestKit;

namespace Hosting.L1.Tests.Peers;

/// <summary>
/// Runs many cast invocations in one shell process, so a hundred cross-checks cost one process start
/// instead of a hundred test-runner round trips. Each answer comes back in the order asked.
/// </summary>
internal static class Cast
{
    private const string Separator = "@@cast-answer-end@@";

    public static async Task<IReadOnlyList<string>> BatchAsync(IEnumerable<IEnumerable<string>> invocations)
    {
        var script = new StringBuilder("set +e\n");
        var count = 0;
        foreach (var arguments in invocations)
        {
            script.Append(Quote(Tools.Cast));
            foreach (var argument in arguments)
            {
                script.Append(' ').Append(Quote(argument));
            }
            script.Append(" 2>&1; printf '\\n").Append(Separator).Append("\\n'\n");
            count++;
        }
        var path = Path.Combine(Path.GetTempPath(), $"l1-cast-{Guid.NewGuid():N}.sh");
        await File.WriteAllTextAsync(path, script.ToString());
        try
        {
            var result = await ProcessRunner.RunAsync("bash", [path], timeout: TimeSpan.FromMinutes(2));
            var answers = result.StandardOutput.Split(Separator + "\n").Select(answer => answer.Trim()).ToList();
            Assert.True(answers.Count == count + 1, $"cast batch returned {answers.Count - 1} answers for {count} invocations: {result.StandardError}");
            return answers[..count];
        }
        finally
        {
            File.Delete(path);
        }
    }

    public static async Task<string> RunAsync(params string[] arguments) => (await BatchAsync([arguments]))[0];

    private static string Quote(string argument) => "'" + argument.Replace("'", "'\\''", StringComparison.Ordinal) + "'";
}
