using System.Diagnostics;
using Hosting.Contracts.Domain;
using Hosting.Contracts.Telemetry;
using Hosting.L1.Crypto;
using Hosting.Signing;
using Hosting.Signing.Keystore;
using Npgsql;

// A signer in its own OS process, as another silo would be. Usage:
//   contend <keystore file> <tenant> <sequencer> <first slot> <count> <variant> <concurrency>   (waits for "go" on stdin)
//   crash   <keystore file> <tenant> <sequencer> <slot> <variant>   (SIGKILLs itself after the commit, before returning)
//   sign    <keystore file> <tenant> <sequencer> <slot> <variant>
// The connection string comes from CONTENDER_POSTGRES and the keystore password from CONTENDER_PASSWORD, never argv.
var mode = args[0];
var connectionString = Environment.GetEnvironmentVariable("CONTENDER_POSTGRES") ?? throw new InvalidOperationException("CONTENDER_POSTGRES is not set");
var password = Environment.GetEnvironmentVariable("CONTENDER_PASSWORD") ?? throw new InvalidOperationException("CONTENDER_PASSWORD is not set");
var tenant = args[2];
var sequencer = Address.Parse(args[3]);

using var keystores = new KeystoreBackend();
await keystores.UnlockAsync(await File.ReadAllTextAsync(args[1]), password);
await using var dataSource = NpgsqlDataSource.Create(connectionString);
await using var gate = new SigningGate(dataSource, [keystores], new SigningGateOptions { NodeName = $"contender-{Environment.ProcessId}" });

switch (mode)
{
    case "contend":
    {
        var first = ulong.Parse(args[4]);
        var count = int.Parse(args[5]);
        var variant = int.Parse(args[6]);
        var concurrency = int.Parse(args[7]);
        // Warm up (JIT, pool) on a slot nobody contests, so "go" starts a hot signer.
        await Attempt(gate, tenant, sequencer, 1_000_000, variant);
        Console.WriteLine("ready");
        if (Console.ReadLine() != "go")
        {
            return 2;
        }
        var lines = new string[count];
        await Parallel.ForEachAsync(Enumerable.Range(0, count), new ParallelOptions { MaxDegreeOfParallelism = concurrency }, async (i, _) =>
            lines[i] = await Attempt(gate, tenant, sequencer, first + (ulong)i, variant));
        foreach (var line in lines)
        {
            Console.WriteLine(line);
        }
        return 0;
    }
    case "crash":
        gate.AfterCommit = () =>
        {
            Process.GetCurrentProcess().Kill();
            return Task.CompletedTask;
        };
        Console.WriteLine(await Attempt(gate, tenant, sequencer, ulong.Parse(args[4]), int.Parse(args[5])));
        return 0;
    case "sign":
        Console.WriteLine(await Attempt(gate, tenant, sequencer, ulong.Parse(args[4]), int.Parse(args[5])));
        return 0;
    default:
        Console.Error.WriteLine($"unknown mode '{mode}'; expected contend, crash or sign");
        return 2;
}

static async Task<string> Attempt(SigningGate gate, string tenant, Address sequencer, ulong slot, int variant)
{
    try
    {
        var signed = await gate.SignAsync(new SigningRequest(tenant, sequencer, slot, Duty.Proposal, Payload(variant, slot), $"contender-{Environment.ProcessId}"));
        return $"{slot} {(signed.Repeated ? "repeated" : "granted")} {signed.Signature} {signed.PayloadHash}";
    }
    catch (SigningRefusedException refused)
    {
        return $"{slot} refused {refused.Refusal} {refused.SignedPayloadHash}";
    }
}

// The same payloads as the tests' TestKeys.Payload: a fixed domain and a struct hash per (slot, variant).
static byte[] Payload(int variant, ulong slot) =>
    SigningPayload.Eip712(Keccak256.Hash("domain"), Keccak256.Hash($"proposal {slot} variant {variant}"));
