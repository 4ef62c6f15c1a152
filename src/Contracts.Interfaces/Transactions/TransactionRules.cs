using System.Numerics;

namespace Hosting.Contracts.Transactions;

/// <summary>The pool's fixed limits, checked at the HTTP ingress and again by the grains that hold the pool.</summary>
public static class TransactionRules
{
    /// <summary>The largest transaction blob accepted, in bytes.</summary>
    public const int MaxTransactionBytes = 16 * 1024;

    /// <summary>The most transaction bytes one block carries (its revealed data is this plus a small header).</summary>
    public const int MaxBlockTransactionBytes = 64 * 1024;

    /// <summary>The most transactions waiting in the pool; beyond it submissions are refused until blocks drain it.</summary>
    public const int PoolCapacity = 10_000;

    /// <summary>The lowest priority fee accepted, in wei.</summary>
    public static BigInteger MinimumFee { get; } = BigInteger.One;
}
