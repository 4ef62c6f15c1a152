namespace Hosting.Contracts.Transactions;

/// <summary>The confirmation stages of PROTOCOL.md ("Confirmation stages of a transaction"), in order.</summary>
public enum TransactionStage
{
    /// <summary>Executed by the client itself; the platform never reports it for a transaction it holds.</summary>
    ExecutedLocally = 1,

    /// <summary>Accepted into the pool and waiting for a block (also where a failed slot or a reorg sends it back).</summary>
    InPool = 2,

    /// <summary>In the highest-ranking proposed block of its slot.</summary>
    Proposed = 3,

    /// <summary>That block has a valid prover commitment.</summary>
    Committed = 4,

    /// <summary>The block's data is revealed on L1.</summary>
    Revealed = 5,

    /// <summary>The block is proven and verified by the L1 contract (BlockFinalized).</summary>
    Proven = 6,

    /// <summary>The L1 block that proved it is FINALITY_DEPTH blocks deep.</summary>
    Final = 7,
}
