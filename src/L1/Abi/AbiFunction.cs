namespace Hosting.L1.Abi;

/// <summary>A contract function: its selector, calldata encoding and return-data decoding.</summary>
public sealed class AbiFunction
{
    private readonly AbiTuple _inputs;
    private readonly AbiTuple _outputs;

    /// <summary>A function with its name, parameters, return values and state mutability.</summary>
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

    /// <summary>The function's name.</summary>
    public string Name { get; }
    /// <summary>The parameters in order.</summary>
    public IReadOnlyList<AbiParameter> Inputs { get; }
    /// <summary>The return values in order.</summary>
    public IReadOnlyList<AbiParameter> Outputs { get; }

    /// <summary>pure, view, nonpayable or payable.</summary>
    public string StateMutability { get; }

    /// <summary>The canonical signature, e.g. "transfer(address,uint256)".</summary>
    public string Signature { get; }

    /// <summary>The first four bytes of keccak(signature): how calldata names this function.</summary>
    public Selector Selector { get; }

    /// <summary>True for view and pure functions, which are called rather than sent.</summary>
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

    /// <summary>The return values decoded from eth_call's return data.</summary>
    public object?[] DecodeOutput(ReadOnlySpan<byte> returnData) => _outputs.Decode(returnData);

    /// <summary>Return data for the given values (for stubs and tests).</summary>
    public byte[] EncodeOutput(params object?[] values) => _outputs.Encode(values);

    /// <inheritdoc />
    public override string ToString() => Signature;
}
