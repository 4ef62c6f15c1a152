using System.Collections.Concurrent;
using System.Collections.Frozen;
using System.Text;

namespace Hosting.Contracts.Telemetry;

/// <summary>The exported text of every value of a label enum, computed once: ConflictingPayload -> "conflicting_payload".</summary>
internal static class LabelValues<TEnum>
    where TEnum : struct, Enum
{
    private static readonly FrozenDictionary<TEnum, string> Values =
        Enum.GetValues<TEnum>().ToFrozenDictionary(v => v, v => SnakeCase.Of(v.ToString()));

    /// <summary>The label text; a value outside the enum (a cast integer) becomes "other" so the label stays bounded.</summary>
    public static string Of(TEnum value) => Values.TryGetValue(value, out var text) ? text : "other";
}

internal static class SnakeCase
{
    public static string Of(string pascal)
    {
        var text = new StringBuilder(pascal.Length + 4);
        for (var i = 0; i < pascal.Length; i++)
        {
            var c = pascal[i];
            if (i > 0 && char.IsUpper(c) && (char.IsLower(pascal[i - 1]) || char.IsDigit(pascal[i - 1])))
            {
                text.Append('_');
            }
            text.Append(char.ToLowerInvariant(c));
        }
        return text.ToString();
    }
}

/// <summary>
/// The L1 endpoint label: host:port of a configured RPC URL, never its path or query (providers put API keys
/// there), and at most <see cref="Limit"/> distinct values per process so a misconfiguration cannot explode
/// the series count.
/// </summary>
internal static class L1EndpointLabel
{
    public const int Limit = 16;
    private static readonly ConcurrentDictionary<string, string> Known = new(StringComparer.OrdinalIgnoreCase);
    private static readonly Lock Adding = new();

    public static string Of(Uri endpoint)
    {
        var hostPort = endpoint.IsAbsoluteUri ? $"{endpoint.IdnHost}:{endpoint.Port}" : "relative";
        if (Known.TryGetValue(hostPort, out var label))
        {
            return label;
        }
        lock (Adding)
        {
            return Known.Count < Limit ? Known.GetOrAdd(hostPort, hostPort) : "other";
        }
    }
}

/// <summary>The JSON-RPC method label: the methods the platform calls, anything else "other".</summary>
internal static class L1MethodLabel
{
    private static readonly FrozenSet<string> Known = new[]
    {
        "eth_blockNumber", "eth_call", "eth_chainId", "eth_estimateGas", "eth_feeHistory", "eth_gasPrice",
        "eth_getBalance", "eth_getBlockByHash", "eth_getBlockByNumber", "eth_getCode", "eth_getLogs",
        "eth_getStorageAt", "eth_getTransactionByHash", "eth_getTransactionCount", "eth_getTransactionReceipt",
        "eth_maxPriorityFeePerGas", "eth_sendRawTransaction", "eth_subscribe", "eth_syncing", "eth_unsubscribe",
        "net_version", "web3_clientVersion", "batch",
    }.ToFrozenSet(StringComparer.Ordinal);

    public static string Of(string method) => Known.TryGetValue(method, out var known) ? known : "other";
}
