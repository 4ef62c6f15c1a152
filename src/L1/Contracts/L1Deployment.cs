using System.Numerics;
using System.Text.Json;
using Hosting.Contracts.Domain;

namespace Hosting.L1.Contracts;

/// <summary>The contracts and parameters of one infra/l1 deployment, as script/Deploy.s.sol writes them.</summary>
public sealed record L1Deployment(
    ulong ChainId,
    ulong DeployBlock,
    Address Token,
    Address Registry,
    Address Rollup,
    BigInteger MinStake,
    ulong EntryPeriodBlocks,
    ulong ExitDelayBlocks)
{
    /// <summary>The rollup's slot clock; null for a deployment file written before the rollup had one.</summary>
    public SlotSchedule? Schedule { get; init; }

    /// <summary>MIN_BOND, in token wei.</summary>
    public BigInteger MinBond { get; init; }

    /// <summary>FINALITY_DEPTH: how deep an L1 block must be before a transaction proven in it is final (stage 7).</summary>
    public ulong FinalityDepth { get; init; } = 64;

    /// <summary>The rollup's EIP-712 domain separator (name "FernetRollup", version "1").</summary>
    public Hash32 DomainSeparator { get; init; }

    /// <summary>Reads a deployment file; null when it holds no contracts (the devnet writes "{}" without infra/l1).</summary>
    public static L1Deployment? Read(string path)
    {
        using var document = JsonDocument.Parse(File.ReadAllText(path));
        var root = document.RootElement;
        if (!root.TryGetProperty("contracts", out var contracts))
        {
            return null;
        }
        try
        {
            var parameters = root.GetProperty("parameters");
            return new L1Deployment(
                root.GetProperty("chainId").GetUInt64(),
                root.GetProperty("deployBlock").GetUInt64(),
                Address.Parse(contracts.GetProperty("token").GetString()!),
                Address.Parse(contracts.GetProperty("registry").GetString()!),
                Address.Parse(contracts.GetProperty("rollup").GetString()!),
                BigInteger.Parse(parameters.GetProperty("minStake").GetString()!, System.Globalization.CultureInfo.InvariantCulture),
                parameters.GetProperty("entryPeriodBlocks").GetUInt64(),
                parameters.GetProperty("exitDelayBlocks").GetUInt64())
            {
                Schedule = root.TryGetProperty("genesisBlock", out var genesis) && parameters.TryGetProperty("proposalBlocks", out _)
                    ? new SlotSchedule(
                        genesis.GetUInt64(),
                        parameters.GetProperty("proposalBlocks").GetUInt64(),
                        parameters.GetProperty("commitmentBlocks").GetUInt64(),
                        parameters.GetProperty("revealBlocks").GetUInt64(),
                        parameters.GetProperty("provingBlocks").GetUInt64(),
                        parameters.GetProperty("backupBlocks").GetUInt64(),
                        parameters.GetProperty("lag").GetUInt64())
                    : null,
                MinBond = parameters.TryGetProperty("minBond", out var minBond)
                    ? BigInteger.Parse(minBond.GetString()!, System.Globalization.CultureInfo.InvariantCulture)
                    : BigInteger.Zero,
                FinalityDepth = parameters.TryGetProperty("finalityDepth", out var finality) ? finality.GetUInt64() : 64,
                DomainSeparator = root.TryGetProperty("eip712", out var eip712) && eip712.TryGetProperty("domainSeparator", out var separator)
                    ? Hash32.Parse(separator.GetString()!)
                    : Hash32.Zero,
            };
        }
        catch (Exception exception) when (exception is KeyNotFoundException or InvalidOperationException or FormatException)
        {
            throw new InvalidDataException($"The deployment file {path} lacks a field or has one of the wrong type: {exception.Message}", exception);
        }
    }
}
