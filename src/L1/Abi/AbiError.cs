namespace Hosting.L1.Abi;

/// <summary>A Solidity custom error (error Rollup__InvalidArchive(bytes32 expected, bytes32 actual)).</summary>
public sealed class AbiError
{
    private readonly AbiTuple _inputs;

    /// <summary>An error with its name and parameters, as the JSON ABI declares it.</summary>
    public AbiError(string name, IReadOnlyList<AbiParameter> inputs)
    {
        Name = name;
        Inputs = inputs;
        _inputs = new AbiTuple(inputs);
        Signature = name + _inputs.CanonicalName;
        Selector = Selector.Of(Signature);
    }

    /// <summary>The error's name, e.g. "Registry__StakeBelowMinimum".</summary>
    public string Name { get; }
    /// <summary>The error's parameters in order.</summary>
    public IReadOnlyList<AbiParameter> Inputs { get; }
    /// <summary>The canonical signature, e.g. "Registry__StakeBelowMinimum(uint256,uint256)".</summary>
    public string Signature { get; }
    /// <summary>The first four bytes of keccak(signature): how revert data names this error.</summary>
    public Selector Selector { get; }

    /// <summary>Reads "Name(type,…)".</summary>
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

    /// <summary>Revert data for this error with the given values: the selector, then the values ABI-encoded.</summary>
    public byte[] Encode(params object?[] values)
    {
        var encoded = _inputs.Encode(values);
        var data = new byte[4 + encoded.Length];
        Selector.CopyTo(data);
        encoded.CopyTo(data, 4);
        return data;
    }

    /// <inheritdoc />
    public override string ToString() => Signature;
}
