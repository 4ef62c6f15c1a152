using Hosting.Contracts.Domain;

namespace Hosting.Contracts.Sequencers;

/// <summary>A request the platform refuses before anything reaches L1; the message names the offending value.</summary>
[GenerateSerializer, Alias("hosting.request-refused")]
public sealed class RequestRefusedException : Exception
{
    public RequestRefusedException(RefusalReason reason, string subject, string message) : base(message)
    {
        Reason = reason;
        Subject = subject;
    }

    [Id(0)] public RefusalReason Reason { get; }

    /// <summary>The value refused: a tenant id, an address.</summary>
    [Id(1)] public string Subject { get; }
}

public enum RefusalReason
{
    UnknownTenant = 1,
    KeyNotInStore = 2,
    AlreadyImported = 3,
    NotThisTenants = 4,
    WrongStatus = 5,
    PublisherUnderfunded = 6,
    WithdrawerNotHosted = 7,
    BadInput = 8,
    TransactionsPending = 9,
}

/// <summary>L1 would revert the transaction (found by eth_estimateGas), so it was not sent; the reason is decoded.</summary>
[GenerateSerializer, Alias("hosting.l1-revert")]
public sealed class L1RevertException : Exception
{
    public L1RevertException(Address contract, string function, string errorName, string reason)
        : base($"{function} on {contract} would revert with {reason}; nothing was sent.")
    {
        Contract = contract;
        Function = function;
        ErrorName = errorName;
        Reason = reason;
    }

    [Id(0)] public Address Contract { get; }
    [Id(1)] public string Function { get; }

    /// <summary>The custom error's name (Registry__StakeBelowMinimum…), "Error" for a message, "" when unrecognised.</summary>
    [Id(2)] public string ErrorName { get; }

    /// <summary>The decoded revert with its values, e.g. Registry__StakeBelowMinimum(1, 100000000000000000000).</summary>
    [Id(3)] public string Reason { get; }
}
