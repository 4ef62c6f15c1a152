using System.Globalization;
using System.Numerics;
using System.Text;
using System.Text.Json;
using Hosting.Contracts.Domain;
using Hosting.L1.Abi;
using Hosting.L1.Crypto;
using Hosting.L1.Tests.Peers;

namespace Hosting.L1.Tests;

/// <summary>ABI codecs against cast: random type trees and values, calldata, decoding, selectors, topics and revert data.</summary>
public sealed class AbiTests
{
    private const int Cases = 60;

    [Fact]
    public async Task Random_values_encode_like_cast_abi_encode_and_calldata()
    {
        var generated = new Generated(4001);
        var cases = Enumerable.Range(0, Cases).Select(i => RandomCall(generated, i)).ToList();
        var invocations = cases.SelectMany(c => new[]
        {
            (string[])["abi-encode", c.Function.Signature, .. c.Values.Select((v, j) => CastArgument(c.Function.Inputs[j].Type, v))],
            (string[])["calldata", c.Function.Signature, .. c.Values.Select((v, j) => CastArgument(c.Function.Inputs[j].Type, v))],
        });
        var answers = await Cast.BatchAsync(invocations);
        for (var i = 0; i < Cases; i++)
        {
            var (function, values) = cases[i];
            var calldata = function.EncodeCall(values);
            var encoded = Hex.Encode(calldata.AsSpan(4));
            Assert.True(answers[2 * i] == encoded, $"seed {generated.Seed} case {i} {function.Signature}: cast {answers[2 * i]}, ours {encoded}");
            Assert.Equal(answers[2 * i + 1], Hex.Encode(calldata));
            Assert.Equal(Normalise(function.Inputs.Select(p => p.Type), values), Normalise(function.Inputs.Select(p => p.Type), function.DecodeCall(calldata)));
        }
    }

    [Fact]
    public async Task Cast_decodes_our_encodings_to_the_values_we_encoded()
    {
        var generated = new Generated(4002);
        var cases = Enumerable.Range(0, Cases).Select(i => RandomCall(generated, i)).ToList();
        var answers = await Cast.BatchAsync(cases.Select(c => (string[])[
            "decode-abi", "--json", $"f(){new AbiTuple([.. c.Function.Inputs]).CanonicalName}", Hex.Encode(c.Function.EncodeCall(c.Values).AsSpan(4))]));
        for (var i = 0; i < Cases; i++)
        {
            var types = cases[i].Function.Inputs.Select(p => p.Type).ToList();
            var theirs = Normalise(JsonDocument.Parse(answers[i]).RootElement);
            Assert.True(theirs == Normalise(types, cases[i].Values), $"seed {generated.Seed} case {i} {cases[i].Function.Signature}: cast {theirs}");
        }
    }

    [Fact]
    public async Task Selectors_and_event_topics_equal_cast_sig_and_sig_event()
    {
        string[] functions = ["transfer(address,uint256)", "propose((uint256,bytes32,bytes),bytes[])", "deposit(address,bytes32[2],uint8)", "f()"];
        string[] events = ["Transfer(address,address,uint256)", "Proposed(uint256,bytes32,(address,uint96)[])", "Ping()"];
        var answers = await Cast.BatchAsync([.. functions.Select(f => (string[])["sig", f]), .. events.Select(e => (string[])["sig-event", e])]);
        for (var i = 0; i < functions.Length; i++)
        {
            Assert.Equal(answers[i], AbiFunction.Parse(functions[i]).Selector.ToString());
        }
        for (var i = 0; i < events.Length; i++)
        {
            Assert.Equal(answers[functions.Length + i], AbiEvent.Parse(events[i]).Topic.ToString());
        }
    }

    [Fact]
    public async Task Revert_data_from_cast_decodes_to_message_panic_and_custom_error()
    {
        var archive = new Generated(4003).Hash();
        var answers = await Cast.BatchAsync([
            ["calldata", "Error(string)", "Sequencer not registered"],
            ["calldata", "Panic(uint256)", "17"],
            ["calldata", "Rollup__InvalidArchive(bytes32,uint256)", archive.ToString(), "7"],
            ["calldata", "Unknown__Thing(uint256)", "1"],
        ]);
        var custom = AbiError.Parse("Rollup__InvalidArchive(bytes32,uint256)");
        Assert.Equal(new RevertReason.Message("Sequencer not registered"), RevertReason.Decode(Hex.Decode(answers[0]), [custom]));
        var panic = Assert.IsType<RevertReason.Panic>(RevertReason.Decode(Hex.Decode(answers[1])));
        Assert.Equal("arithmetic overflow or underflow", panic.Meaning);
        var error = Assert.IsType<RevertReason.CustomError>(RevertReason.Decode(Hex.Decode(answers[2]), [custom]));
        Assert.Equal("Rollup__InvalidArchive", error.Name);
        Assert.Equal([archive, new BigInteger(7)], error.Values);
        Assert.IsType<RevertReason.Unrecognised>(RevertReason.Decode(Hex.Decode(answers[3]), [custom]));
    }

    [Fact]
    public void Indexed_and_data_fields_of_an_event_round_trip()
    {
        var transfer = new AbiEvent("Transfer", [
            new AbiParameter("from", AbiType.Address, Indexed: true),
            new AbiParameter("to", AbiType.Address, Indexed: true),
            new AbiParameter("memo", AbiType.String, Indexed: true),
            new AbiParameter("value", AbiType.UInt256)]);
        var generated = new Generated(4004);
        var (from, to) = (generated.Address(), generated.Address());
        var (topics, data) = transfer.Encode(from, to, "hello", new BigInteger(5));
        Assert.Equal(4, topics.Count);
        var decoded = transfer.Decode(topics, data);
        Assert.Equal(from, decoded["from"]);
        Assert.Equal(Keccak256.Hash("hello"), decoded["memo"]);
        Assert.Equal(new BigInteger(5), decoded["value"]);
    }

    private static (AbiFunction Function, object?[] Values) RandomCall(Generated generated, int index)
    {
        var types = Enumerable.Range(0, 1 + generated.Int(4)).Select(_ => RandomType(generated, 0)).ToList();
        var function = new AbiFunction($"f{index}", [.. types.Select((t, i) => new AbiParameter($"p{i}", t))], []);
        return (function, [.. types.Select(t => RandomValue(generated, t))]);
    }

    private static AbiType RandomType(Generated generated, int depth)
    {
        var choice = generated.Int(depth < 2 ? 14 : 10);
        return choice switch
        {
            0 => AbiType.UInt(8 * (1 + generated.Int(32))),
            1 => AbiType.Int(8 * (1 + generated.Int(32))),
            2 => AbiType.Address,
            3 => AbiType.Bool,
            4 => AbiType.FixedBytes(1 + generated.Int(32)),
            5 => AbiType.Bytes,
            6 => AbiType.String,
            7 => AbiType.UInt256,
            8 => AbiType.Bytes32,
            9 => AbiType.Int(256),
            10 or 11 => AbiType.ArrayOf(RandomType(generated, depth + 1), generated.Bool() ? null : 1 + generated.Int(3)),
            _ => AbiType.Tuple([.. Enumerable.Range(0, 1 + generated.Int(3)).Select(_ => RandomType(generated, depth + 1))]),
        };
    }

    private static object? RandomValue(Generated generated, AbiType type) => type switch
    {
        AbiInteger { Signed: true } integer => generated.Signed(integer.Bits),
        AbiInteger integer => generated.Unsigned(integer.Bits),
        AbiAddress => generated.Address(),
        AbiBool => generated.Bool(),
        AbiFixedBytes { Size: 32 } => generated.Hash(),
        AbiFixedBytes fixedBytes => generated.Bytes(fixedBytes.Size),
        AbiBytes => generated.Bytes(generated.Int(70)),
        AbiString => "s" + generated.Word(40),
        AbiArray array => Enumerable.Range(0, array.Length ?? generated.Int(4)).Select(_ => RandomValue(generated, array.Element)).ToArray(),
        AbiTuple tuple => tuple.Components.Select(c => RandomValue(generated, c.Type)).ToArray(),
        _ => throw new ArgumentOutOfRangeException(nameof(type), type, "no generator"),
    };

    private static string CastArgument(AbiType type, object? value) => type switch
    {
        AbiArray array => "[" + string.Join(',', ((object?[])value!).Select(v => CastArgument(array.Element, v))) + "]",
        AbiTuple tuple => "(" + string.Join(',', ((object?[])value!).Select((v, i) => CastArgument(tuple.Components[i].Type, v))) + ")",
        _ => Scalar(value),
    };

    private static string Scalar(object? value) => value switch
    {
        BigInteger number => number.ToString(CultureInfo.InvariantCulture),
        bool flag => flag ? "true" : "false",
        byte[] bytes => Hex.Encode(bytes),
        string text => text,
        _ => value!.ToString()!,
    };

    /// <summary>One text form for our values and cast's JSON: numbers in decimal, hex in lower case, lists in brackets.</summary>
    private static string Normalise(IEnumerable<AbiType> types, IReadOnlyList<object?> values) =>
        "[" + string.Join(',', types.Select((t, i) => NormaliseValue(values[i]))) + "]";

    private static string NormaliseValue(object? value) => value switch
    {
        object?[] items => "[" + string.Join(',', items.Select(NormaliseValue)) + "]",
        string text => "\"" + text + "\"",
        _ => Scalar(value).ToLowerInvariant(),
    };

    private static string Normalise(JsonElement element) => element.ValueKind switch
    {
        JsonValueKind.Array => "[" + string.Join(',', element.EnumerateArray().Select(Normalise)) + "]",
        JsonValueKind.Number => BigInteger.Parse(element.GetRawText(), CultureInfo.InvariantCulture).ToString(CultureInfo.InvariantCulture),
        JsonValueKind.True => "true",
        JsonValueKind.False => "false",
        JsonValueKind.String when element.GetString()!.StartsWith("0x", StringComparison.Ordinal) => element.GetString()!.ToLowerInvariant(),
        // cast writes integers beyond 64 bits as decimal strings; our generated strings all start with a letter.
        JsonValueKind.String when BigInteger.TryParse(element.GetString(), NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var big) => big.ToString(CultureInfo.InvariantCulture),
        JsonValueKind.String => "\"" + element.GetString() + "\"",
        _ => element.GetRawText(),
    };
}
