using System.Collections.Concurrent;
using Hosting.L1.Abi;

namespace Hosting.L1.Contracts;

/// <summary>
/// The JSON ABIs of the infra/l1 contracts, embedded in this assembly at build time from
/// src/L1/Contracts/Abi/*.json. Those files are the "abi" member of forge's out/&lt;Name&gt;.sol/&lt;Name&gt;.json,
/// copied by refresh-abis.sh; a test rebuilds the contracts with forge and fails when they drift.
/// </summary>
public static class EmbeddedAbi
{
    private static readonly ConcurrentDictionary<string, ContractAbi> Loaded = new(StringComparer.Ordinal);

    /// <summary>The names of the contracts whose ABI is embedded.</summary>
    public static IReadOnlyList<string> Names { get; } =
        [.. typeof(EmbeddedAbi).Assembly.GetManifestResourceNames()
            .Where(name => name.StartsWith(Prefix, StringComparison.Ordinal) && name.EndsWith(".json", StringComparison.Ordinal))
            .Select(name => name[Prefix.Length..^".json".Length])
            .Order(StringComparer.Ordinal)];

    private const string Prefix = "Hosting.L1.Contracts.Abi.";

    /// <summary>The ABI of contract <paramref name="name"/> (e.g. "SequencerRegistry").</summary>
    public static ContractAbi Load(string name) => Loaded.GetOrAdd(name, static contract =>
    {
        using var stream = typeof(EmbeddedAbi).Assembly.GetManifestResourceStream(Prefix + contract + ".json")
            ?? throw new AbiException("contract", contract, $"one of the embedded ABIs ({string.Join(", ", Names)})");
        using var reader = new StreamReader(stream);
        return ContractAbi.Parse(contract, reader.ReadToEnd());
    });

    /// <summary>The ABI JSON text of contract <paramref name="name"/>, as embedded.</summary>
    public static string Json(string name)
    {
        using var stream = typeof(EmbeddedAbi).Assembly.GetManifestResourceStream(Prefix + name + ".json")
            ?? throw new AbiException("contract", name, $"one of the embedded ABIs ({string.Join(", ", Names)})");
        using var reader = new StreamReader(stream);
        return reader.ReadToEnd();
    }
}
