namespace Hosting.L1.Abi;

/// <summary>A Solidity custom error (error Rollup__InvalidArchive(bytes32 expected, bytes32 actual)).</summary>
public sealed class AbiError
{
    private readonly AbiTuple _inputs;

    public AbiError(string name, IReadOnlyList<AbiParameter> inputs)
    {
        Name = name;
        Inputs = inputs;
        _inputs = new AbiTuple(inputs);
        Signature = name + _inputs.CanonicalName;
        Selector = Selector.Of(Signature);
    }

    public string Name { get; }
    public IReadOnlyList<AbiParameter> Inputs { get; }
    public string Signature { get; }
    public Selector Selector { get; }

    public static AbiError Parse(string signature)
    {
        var function = AbiFunction.Parse(signature);
        return new AbiError(function.Name, function.Inputs);
    }

    /// <summary>The error's values from revert data that starts with its selector.</summary>
    public object?[] Decode(ReadOnlySpan<byte> revertData)
    {
        var selector = Selector.Read(revertData);
        return selector == Selector
            ? _inputs.Decode(revertData[4..])
            : throw new AbiException("revert data", Hex.Encode(revertData[..Math.Min(revertData.Length, 36)]), $"the selector {Selector} of {Signature}, got {selector}");
    }

    public byte[] Encode(params object?[] values)
    {
        var encoded = _inputs.Encode(values);
        var data = new byte[4 + encoded.Length];
        Selector.CopyTo(data);
        encoded.CopyTo(data, 4);
        return data;
    }

    public override string ToString() => Signature;
}
