namespace Hosting.L1.Abi;

/// <summary>A contract function: its selector, calldata encoding and return-data decoding.</summary>
public sealed class AbiFunction
{
    private readonly AbiTuple _inputs;
    private readonly AbiTuple _outputs;

    public AbiFunction(string name, IReadOnlyList<AbiParameter> inputs, IReadOnlyList<AbiParameter> outputs, string stateMutability = "nonpayable")
    {
        Name = name;
        Inputs = inputs;
        Outputs = outputs;
        StateMutability = stateMutability;
        _inputs = new AbiTuple(inputs);
        _outputs = new AbiTuple(outputs);
        Signature = name + _inputs.CanonicalName;
        Selector = Selector.Of(Signature);
    }

    public string Name { get; }
    public IReadOnlyList<AbiParameter> Inputs { get; }
    public IReadOnlyList<AbiParameter> Outputs { get; }

    /// <summary>pure, view, nonpayable or payable.</summary>
    public string StateMutability { get; }

    /// <summary>The canonical signature, e.g. "transfer(address,uint256)".</summary>
    public string Signature { get; }

    public Selector Selector { get; }

    public bool IsReadOnly => StateMutability is "view" or "pure";

    /// <summary>Reads "name(type,…)", the form cast takes, for functions not in a JSON ABI.</summary>
    public static AbiFunction Parse(string signature, string? returns = null)
    {
        var open = signature.IndexOf('(', StringComparison.Ordinal);
        if (open <= 0)
        {
            throw new AbiException("function", signature, "name(type,…)");
        }
        var inputs = (AbiTuple)AbiType.Parse(signature[open..]);
        var outputs = returns is null ? [] : ((AbiTuple)AbiType.Parse(returns)).Components;
        return new AbiFunction(signature[..open], inputs.Components, outputs);
    }

    /// <summary>Selector followed by the arguments, one value per input, in order.</summary>
    public byte[] EncodeCall(params object?[] arguments)
    {
        var length = _inputs.EncodedLength(arguments);
        var calldata = new byte[4 + length];
        Selector.CopyTo(calldata);
        _inputs.Encode(arguments, calldata.AsSpan(4));
        return calldata;
    }

    /// <summary>The arguments of calldata for this function; the selector must match.</summary>
    public object?[] DecodeCall(ReadOnlySpan<byte> calldata)
    {
        var selector = Selector.Read(calldata);
        return selector == Selector
            ? _inputs.Decode(calldata[4..])
            : throw new AbiException("calldata", Hex.Encode(calldata[..Math.Min(calldata.Length, 36)]), $"the selector {Selector} of {Signature}, got {selector}");
    }

    public object?[] DecodeOutput(ReadOnlySpan<byte> returnData) => _outputs.Decode(returnData);

    public byte[] EncodeOutput(params object?[] values) => _outputs.Encode(values);

    public override string ToString() => Signature;
}
