using System.Collections.Concurrent;
using System.Diagnostics;
using Hosting.Contracts.Domain;
using Hosting.Signing.Tests.Support;

namespace Hosting.Signing.Tests.Gate;

/// <summary>
/// Several signers race for the same duties: two gates in this process on independent connection pools and a
/// third gate in a separate OS process, each asking to sign its own proposal for every slot at once.
/// </summary>
public sealed class ContentionTests : IAsyncLifetime
{
    private const int Slots = 2000;
    private const string Password = "contender pw";
    private readonly SafetyDatabase _database = new();
    private string _keystorePath = "";

    public async Task InitializeAsync()
    {
        await _database.InitializeAsync();
        _keystorePath = Path.Combine(Directory.CreateTempSubdirectory("signing_contender_").FullName, "key.json");
    }

    public async Task DisposeAsync()
    {
        await _database.DisposeAsync();
        Directory.Delete(Path.GetDirectoryName(_keystorePath)!, recursive: true);
    }

    [Fact]
    public async Task test_threeSignersTwoProcesses_contestedSlots_exactlyOneSignatureEach()
    {
        await using var a = new GateScope(_database, "node-a");
        await using var b = new GateScope(_database, "node-b");
        var key = await RegisterAsync(a, b);
        await using var contender = await Contender.StartAsync(_database.ConnectionString, "contend", _keystorePath, "acme", key.ToString(), "0", Slots.ToString(), "3", "32");

        // Warm both in-process gates (JIT, pools) on other slots, as the contender did before saying ready.
        await a.SignAsync("acme", key, 1_000_001, 1);
        await b.SignAsync("acme", key, 1_000_002, 2);
        await contender.SendAsync("go");
        // The contender walks the slots upwards, gate A downwards and gate B in a shuffled order, so every
        // signer meets the others somewhere instead of one running ahead of the rest on the same path.
        var shuffled = Enumerable.Range(0, Slots).ToArray();
        new Random(17).Shuffle(shuffled);
        var inProcess = Task.WhenAll(ContendAsync(a, key, 1, Enumerable.Range(0, Slots).Reverse()), ContendAsync(b, key, 2, shuffled));
        var (exitCode, lines) = await contender.WaitAsync(TimeSpan.FromMinutes(2));
        var local = await inProcess;

        Assert.Equal(0, exitCode);
        var attempts = local.SelectMany(l => l).Concat(lines.Select(Attempt.Parse)).ToList();
        Assert.Equal(3 * Slots, attempts.Count);
        foreach (var slot in attempts.GroupBy(x => x.Slot))
        {
            var granted = Assert.Single(slot, x => x.Outcome == "granted");
            Assert.All(slot.Where(x => x != granted), x =>
            {
                Assert.Equal("refused", x.Outcome);
                Assert.Equal("ConflictingPayload", x.Detail);
                Assert.Equal(granted.PayloadHash, x.PayloadHash);
            });
        }
        Assert.Equal(Slots + 3, await _database.CountAsync("select count(*) from signed_duties"));
        var history = (await a.Custody.HistoryAsync(key)).Where(r => r.Slot < Slots).ToDictionary(r => r.Slot);
        Assert.All(attempts.Where(x => x.Outcome == "granted"), x => Assert.Equal(x.Signature, history[x.Slot].Signature.ToString()));
        // More than one signer won slots: the race was real, not signers taking turns. (Which ones win depends on
        // scheduling; the other process answered all its attempts above, each refusal naming the winner's hash.)
        Assert.True(history.Values.Select(r => r.SignerNode).Distinct().Count() >= 2, string.Join(", ", history.Values.GroupBy(r => r.SignerNode).Select(g => $"{g.Key}: {g.Count()}")));
    }

    [Fact]
    public async Task test_signerKilledAfterCommit_restartReturnsTheSameSignature()
    {
        await using var a = new GateScope(_database, "node-a");
        var key = await RegisterAsync(a, null);

        await using (var crashing = await Contender.StartAsync(_database.ConnectionString, "crash", _keystorePath, "acme", key.ToString(), "5", "7"))
        {
            var (exitCode, lines) = await crashing.WaitAsync(TimeSpan.FromMinutes(1));
            Assert.Equal(137, exitCode); // SIGKILL
            Assert.Empty(lines);
        }
        var stored = Assert.Single(await a.Custody.HistoryAsync(key));
        Assert.StartsWith("contender-", stored.SignerNode, StringComparison.Ordinal);

        await using (var restarted = await Contender.StartAsync(_database.ConnectionString, "sign", _keystorePath, "acme", key.ToString(), "5", "7"))
        {
            var (exitCode, lines) = await restarted.WaitAsync(TimeSpan.FromMinutes(1));
            Assert.Equal(0, exitCode);
            var again = Attempt.Parse(Assert.Single(lines));
            Assert.Equal("repeated", again.Outcome);
            Assert.Equal(stored.Signature.ToString(), again.Signature);
        }
        var failedOver = await a.SignAsync("acme", key, 5, 7);
        Assert.True(failedOver.Repeated);
        Assert.Equal(stored.Signature, failedOver.Signature);
        Assert.Equal(SigningRefusal.ConflictingPayload, (await Assert.ThrowsAsync<SigningRefusedException>(() => a.SignAsync("acme", key, 5, 8))).Refusal);
    }

    private async Task<Address> RegisterAsync(GateScope first, GateScope? second)
    {
        var (json, address) = TestKeys.NewKeystore(Password);
        await File.WriteAllTextAsync(_keystorePath, json);
        await first.Custody.RegisterKeystoreAsync("acme", json, Password, "test");
        if (second is not null)
        {
            await second.Keystores.UnlockAsync(json, Password);
        }
        return address;
    }

    private static async Task<List<Attempt>> ContendAsync(GateScope scope, Address key, int variant, IEnumerable<int> order)
    {
        var attempts = new ConcurrentBag<Attempt>();
        await Parallel.ForEachAsync(order, new ParallelOptions { MaxDegreeOfParallelism = 32 }, async (i, _) =>
        {
            var slot = (ulong)i;
            try
            {
                var signed = await scope.SignAsync("acme", key, slot, variant);
                attempts.Add(new Attempt(slot, signed.Repeated ? "repeated" : "granted", signed.Signature.ToString(), signed.PayloadHash.ToString()));
            }
            catch (SigningRefusedException refused)
            {
                attempts.Add(new Attempt(slot, "refused", refused.Refusal.ToString(), refused.SignedPayloadHash?.ToString() ?? ""));
            }
        });
        return [.. attempts];
    }

    /// <summary>One attempt as a line: "slot granted|repeated signature payloadHash" or "slot refused reason signedPayloadHash".</summary>
    private sealed record Attempt(ulong Slot, string Outcome, string Signature, string PayloadHash)
    {
        public string Detail => Signature;

        public static Attempt Parse(string line)
        {
            var parts = line.Split(' ');
            return new Attempt(ulong.Parse(parts[0]), parts[1], parts[2], parts.Length > 3 ? parts[3] : "");
        }
    }

    /// <summary>The Signing.Contender program in its own process, with its own pool and gate.</summary>
    private sealed class Contender : IAsyncDisposable
    {
        private readonly Process _process;
        private readonly Task<string> _output;
        private readonly Task<string> _errors;

        private Contender(Process process)
        {
            _process = process;
            _output = process.StandardOutput.ReadToEndAsync();
            _errors = process.StandardError.ReadToEndAsync();
        }

        public static async Task<Contender> StartAsync(string connectionString, params string[] arguments)
        {
            var info = new ProcessStartInfo("dotnet")
            {
                RedirectStandardInput = true,
                RedirectStandardOutput = true,
                RedirectStandardError = true,
                UseShellExecute = false,
            };
            info.ArgumentList.Add(Program);
            foreach (var argument in arguments)
            {
                info.ArgumentList.Add(argument);
            }
            info.Environment["CONTENDER_POSTGRES"] = connectionString;
            info.Environment["CONTENDER_PASSWORD"] = Password;
            var process = Process.Start(info)!;
            if (arguments[0] == "contend")
            {
                // Wait for "ready" before reading the rest, so "go" starts every signer at once.
                var ready = await process.StandardOutput.ReadLineAsync();
                if (ready != "ready")
                {
                    Assert.Fail($"the contender said '{ready}' instead of ready: {await process.StandardError.ReadToEndAsync()}");
                }
            }
            return new Contender(process);
        }

        private static string Program
        {
            get
            {
                var output = new DirectoryInfo(AppContext.BaseDirectory.TrimEnd(Path.DirectorySeparatorChar));
                var path = Path.Combine(TestKit.RepositoryRoot.Combine("tests", "Signing.Contender", "bin"), output.Parent!.Name, output.Name, "Hosting.Signing.Contender.dll");
                return File.Exists(path) ? path : throw new FileNotFoundException($"Build tests/Signing.Contender first; {path} is missing.", path);
            }
        }

        public async Task SendAsync(string line)
        {
            await _process.StandardInput.WriteLineAsync(line);
            await _process.StandardInput.FlushAsync();
        }

        public async Task<(int ExitCode, string[] Lines)> WaitAsync(TimeSpan timeout)
        {
            using var cancel = new CancellationTokenSource(timeout);
            await _process.WaitForExitAsync(cancel.Token);
            var output = await _output;
            var errors = await _errors;
            Assert.True(_process.ExitCode is 0 or 137, $"the contender exited with {_process.ExitCode}: {errors}");
            return (_process.ExitCode, output.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries));
        }

        public ValueTask DisposeAsync()
        {
            if (!_process.HasExited)
            {
                _process.Kill(entireProcessTree: true);
            }
            _process.Dispose();
            return ValueTask.CompletedTask;
        }
    }
}
