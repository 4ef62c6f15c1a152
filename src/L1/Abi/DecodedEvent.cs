namespace Hosting.L1.Abi;

/// <summary>An event's field values in declaration order, also reachable by name.</summary>
public sealed record DecodedEvent(AbiEvent Event, IReadOnlyList<object?> Values)
{
    /// <summary>The event's name.</summary>
    public string Name => Event.Name;

    /// <summary>The value of the field called <paramref name="name"/>.</summary>
    public object? this[string name]
    {
        get
        {
            for (var i = 0; i < Event.Inputs.Count; i++)
            {
                if (Event.Inputs[i].Name == name)
                {
                    return Values[i];
                }
            }
            throw new KeyNotFoundException($"Event {Event.Signature} has no field '{name}'; its fields are {string.Join(", ", Event.Inputs.Select(input => input.Name))}.");
        }
    }

    /// <inheritdoc />
    public override string ToString() => $"{Name}({AbiText.Format(Event.Inputs, Values)})";
}
