using Hosting.Contracts.Domain;

namespace Hosting.Portal.Chain;

/// <summary>A transaction's state for the page: pending, confirmed, reverted (with the decoded reason) or unknown.</summary>
public sealed record TransactionState(Hash32 Hash, string State, ulong? BlockNumber, ulong? Confirmations, string? Reason)
{
    /// <summary>The state in words, as the pages show it.</summary>
    public string Describe() => State switch
    {
        "confirmed" => $"confirmed in block {BlockNumber} ({Confirmations} confirmation{(Confirmations == 1 ? "" : "s")})",
        "reverted" => $"reverted in block {BlockNumber}: {Reason}",
        "unknown" => "not seen by the L1 node (dropped, or not yet broadcast)",
        _ => "pending",
    };
}
