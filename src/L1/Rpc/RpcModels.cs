using System.Numerics;
using System.Text.Json;
using Hosting.Contracts.Domain;

namespace Hosting.L1.Rpc;

/// <summary>A block to read state at: a number or one of the tags latest, safe, finalized, pending, earliest.</summary>
public readonly record struct BlockTag
{
    private BlockTag(string text) => Text = text;

    /// <summary>The JSON-RPC form: a quantity or a tag name.</summary>
    public string Text { get; }

    /// <summary>The head of the canonical chain.</summary>
    public static BlockTag Latest { get; } = new("latest");

    /// <summary>The latest block the consensus layer considers safe from reorgs.</summary>
    public static BlockTag Safe { get; } = new("safe");

    /// <summary>The latest finalised block.</summary>
    public static BlockTag Finalized { get; } = new("finalized");

    /// <summary>The pending state (latest plus the node's mempool), for nonces.</summary>
    public static BlockTag Pending { get; } = new("pending");

    /// <summary>A specific block number.</summary>
    public static BlockTag Number(ulong number) => new(Hex.EncodeQuantity(number));

    /// <inheritdoc />
    public override string ToString() => Text;
}

/// <summary>The header fields of a block the platform uses (new heads, slot clock, fees, reorg detection).</summary>
public sealed record BlockHeader(ulong Number, Hash32 Hash, Hash32 ParentHash, ulong Timestamp, BigInteger? BaseFeePerGas, ulong GasLimit, ulong GasUsed)
{
    internal static BlockHeader Read(JsonElement block) => new(
        Hex.DecodeUInt64Quantity(Rpc.String(block, "number")),
        Hash32.Parse(Rpc.String(block, "hash")),
        Hash32.Parse(Rpc.String(block, "parentHash")),
        Hex.DecodeUInt64Quantity(Rpc.String(block, "timestamp")),
        block.TryGetProperty("baseFeePerGas", out var fee) && fee.ValueKind == JsonValueKind.String ? Hex.DecodeQuantity(fee.GetString()!) : null,
        Hex.DecodeUInt64Quantity(Rpc.String(block, "gasLimit")),
        Hex.DecodeUInt64Quantity(Rpc.String(block, "gasUsed")));
}

/// <summary>A contract log as eth_getLogs and receipts return it.</summary>
public sealed record Log(Address Address, IReadOnlyList<Hash32> Topics, byte[] Data, ulong? BlockNumber, Hash32? BlockHash, Hash32? TransactionHash, ulong? LogIndex, bool Removed)
{
    internal static Log Read(JsonElement log) => new(
        Address.Parse(Rpc.String(log, "address")),
        [.. log.GetProperty("topics").EnumerateArray().Select(topic => Hash32.Parse(topic.GetString()!))],
        Hex.Decode(Rpc.String(log, "data")),
        Rpc.OptionalQuantity(log, "blockNumber"),
        Rpc.OptionalHash(log, "blockHash"),
        Rpc.OptionalHash(log, "transactionHash"),
        Rpc.OptionalQuantity(log, "logIndex"),
        log.TryGetProperty("removed", out var removed) && removed.ValueKind == JsonValueKind.True);
}

/// <summary>The outcome of a mined transaction.</summary>
public sealed record TransactionReceipt(Hash32 TransactionHash, ulong BlockNumber, Hash32 BlockHash, bool Succeeded, ulong GasUsed, BigInteger EffectiveGasPrice, Address From, Address? To, Address? ContractAddress, IReadOnlyList<Log> Logs)
{
    internal static TransactionReceipt Read(JsonElement receipt) => new(
        Hash32.Parse(Rpc.String(receipt, "transactionHash")),
        Hex.DecodeUInt64Quantity(Rpc.String(receipt, "blockNumber")),
        Hash32.Parse(Rpc.String(receipt, "blockHash")),
        Rpc.String(receipt, "status") == "0x1",
        Hex.DecodeUInt64Quantity(Rpc.String(receipt, "gasUsed")),
        receipt.TryGetProperty("effectiveGasPrice", out var price) && price.ValueKind == JsonValueKind.String ? Hex.DecodeQuantity(price.GetString()!) : BigInteger.Zero,
        Address.Parse(Rpc.String(receipt, "from")),
        receipt.TryGetProperty("to", out var to) && to.ValueKind == JsonValueKind.String ? Address.Parse(to.GetString()!) : null,
        receipt.TryGetProperty("contractAddress", out var created) && created.ValueKind == JsonValueKind.String ? Address.Parse(created.GetString()!) : null,
        [.. receipt.GetProperty("logs").EnumerateArray().Select(Log.Read)]);
}

/// <summary>The transaction fields of eth_call and eth_estimateGas.</summary>
public sealed record CallRequest(Address? To, byte[] Data)
{
    /// <summary>The caller, which matters for msg.sender checks.</summary>
    public Address? From { get; init; }

    /// <summary>Wei sent along.</summary>
    public BigInteger? Value { get; init; }

    /// <summary>A gas cap for the call.</summary>
    public ulong? Gas { get; init; }

    internal Dictionary<string, string> ToJson()
    {
        var json = new Dictionary<string, string>(StringComparer.Ordinal) { ["data"] = Hex.Encode(Data), ["input"] = Hex.Encode(Data) };
        if (To is { } to) json["to"] = to.ToString();
        if (From is { } from) json["from"] = from.ToString();
        if (Value is { } value) json["value"] = Hex.EncodeQuantity(value);
        if (Gas is { } gas) json["gas"] = Hex.EncodeQuantity(gas);
        return json;
    }
}

/// <summary>An eth_getLogs filter: a block range, contract addresses and topics (null matches anything at that position).</summary>
public sealed record LogFilter(BlockTag FromBlock, BlockTag ToBlock)
{
    /// <summary>Contracts whose logs match; empty matches every contract.</summary>
    public IReadOnlyList<Address> Addresses { get; init; } = [];

    /// <summary>Per position, the topics that match (any of them); null matches any topic there.</summary>
    public IReadOnlyList<IReadOnlyList<Hash32>?> Topics { get; init; } = [];

    internal Dictionary<string, object> ToJson()
    {
        var json = new Dictionary<string, object>(StringComparer.Ordinal) { ["fromBlock"] = FromBlock.Text, ["toBlock"] = ToBlock.Text };
        if (Addresses.Count > 0) json["address"] = Addresses.Select(address => address.ToString()).ToArray();
        if (Topics.Count > 0) json["topics"] = Topics.Select(position => (object?)position?.Select(topic => topic.ToString()).ToArray()).ToArray();
        return json;
    }
}

/// <summary>Reading helpers that turn a missing or mistyped field into a typed error naming it.</summary>
internal static class Rpc
{
    public static string String(JsonElement element, string property) =>
        element.ValueKind == JsonValueKind.Object && element.TryGetProperty(property, out var value) && value.ValueKind == JsonValueKind.String
            ? value.GetString()!
            : throw new HexFormatException(element.ValueKind == JsonValueKind.Object && element.TryGetProperty(property, out var wrong) ? wrong.GetRawText() : $"(no '{property}' in {HexFormatException.Shorten(element.GetRawText())})", $"a hex string in '{property}'");

    public static ulong? OptionalQuantity(JsonElement element, string property) =>
        element.TryGetProperty(property, out var value) && value.ValueKind == JsonValueKind.String ? Hex.DecodeUInt64Quantity(value.GetString()!) : null;

    public static Hash32? OptionalHash(JsonElement element, string property) =>
        element.TryGetProperty(property, out var value) && value.ValueKind == JsonValueKind.String ? Hash32.Parse(value.GetString()!) : null;
}
