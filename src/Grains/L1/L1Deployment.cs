using System.Numerics;
using System.Text.Json;
using Hosting.Contracts.Domain;

namespace Hosting.Grains.L1;

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
                parameters.GetProperty("exitDelayBlocks").GetUInt64());
        }
        catch (Exception exception) when (exception is KeyNotFoundException or InvalidOperationException or FormatException)
        {
            throw new InvalidDataException($"The deployment file {path} lacks a field or has one of the wrong type: {exception.Message}", exception);
        }
    }
}
