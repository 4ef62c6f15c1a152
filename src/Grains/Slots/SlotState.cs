namespace Hosting.Grains.Slots;

/// <summary>
/// What a slot grain persists. Held as text and numbers (stored state is JSON): addresses and hashes as 0x-hex,
/// amounts as decimal strings, empty when not known.
/// </summary>
[GenerateSerializer, Alias("hosting.slot-state.v1")]
public sealed record SlotState
{
    [Id(0)] public int Outcome { get; init; }
    [Id(1)] public string Seed { get; init; } = "";
    [Id(2)] public string Candidate { get; init; } = "";
    [Id(3)] public string Tenant { get; init; } = "";
    [Id(4)] public string CandidateScore { get; init; } = "0";
    [Id(5)] public int CandidateRank { get; init; }
    [Id(6)] public string Leader { get; init; } = "";
    [Id(7)] public int ActiveCount { get; init; }
    [Id(8)] public string Publisher { get; init; } = "";
    [Id(9)] public string PreviousArchive { get; init; } = "";
    [Id(10)] public string BlockHash { get; init; } = "";
    [Id(11)] public string Data { get; init; } = "";
    [Id(12)] public string ProposalTransaction { get; init; } = "";
    [Id(13)] public string CanonicalSequencer { get; init; } = "";
    [Id(14)] public string CanonicalScore { get; init; } = "0";
    [Id(15)] public List<StoredQuote> Quotes { get; init; } = [];
    [Id(16)] public string ChosenProver { get; init; } = "";
    [Id(17)] public string ChosenBond { get; init; } = "0";
    [Id(18)] public string AuthorisationSignature { get; init; } = "";
    [Id(19)] public string CommittedProver { get; init; } = "";
    [Id(20)] public string RevealTransaction { get; init; } = "";
    [Id(21)] public ulong? L2BlockNumber { get; init; }
    [Id(22)] public List<string> Applied { get; init; } = [];
    [Id(23)] public string LastError { get; init; } = "";
    [Id(24)] public List<StoredAuthorisation> Authorisations { get; init; } = [];
    [Id(25)] public long AuthorisedAtTicks { get; init; }

    /// <summary>The hashes of our block's transactions in block order, recorded with <see cref="Data"/> before signing.</summary>
    [Id(26)] public List<string> Transactions { get; init; } = [];

    /// <summary>Every proposal of the slot seen on L1, so a reorg that removes one can find the best of the rest.</summary>
    [Id(27)] public List<SeenProposal> Proposals { get; init; } = [];

    /// <summary>The L1 block and transaction of BlockFinalized; the block's transactions are final FINALITY_DEPTH blocks later.</summary>
    [Id(28)] public ulong? FinalisedBlock { get; init; }
    [Id(29)] public string FinalisedTransaction { get; init; } = "";
    [Id(30)] public bool Final { get; init; }

    /// <summary>The slot failed and its transactions went back to the pool.</summary>
    [Id(31)] public bool TransactionsReleased { get; init; }

    /// <summary>The upgrade signal the proposal carries, from the tenant's policy, recorded with the block before signing.</summary>
    [Id(32)] public string UpgradeSignal { get; init; } = "";

    /// <summary>Why Backup opened on our slot (a <see cref="Hosting.Contracts.Telemetry.BackupReason"/>), or -1.</summary>
    [Id(33)] public int BackupReason { get; init; } = -1;

    /// <summary>A slot forecast as not ours was ranked once more at Proposal start.</summary>
    [Id(34)] public bool Rechecked { get; init; }

    /// <summary>The backup decisions already counted for this slot, one bit per <see cref="Hosting.Contracts.Telemetry.BackupDecision"/>.</summary>
    [Id(35)] public int BackupDecisionsCounted { get; init; }

    /// <summary>Reveals sent again after one was mined and reverted (too early, after a reorg): each a new call, new nonce.</summary>
    [Id(36)] public int RevealRetries { get; init; }
}

[GenerateSerializer, Alias("hosting.seen-proposal.v1")]
public sealed record SeenProposal
{
    [Id(0)] public string Position { get; init; } = "";
    [Id(1)] public string Sequencer { get; init; } = "";
    [Id(2)] public string Score { get; init; } = "0";
}

[GenerateSerializer, Alias("hosting.stored-quote.v1")]
public sealed record StoredQuote
{
    [Id(0)] public string Prover { get; init; } = "";
    [Id(1)] public string Fee { get; init; } = "0";
    [Id(2)] public string Bond { get; init; } = "0";
    [Id(3)] public ulong ExpiryBlock { get; init; }
}

/// <summary>A commitment authorisation signed for one prover; a slot holds more than one after a fallback.</summary>
[GenerateSerializer, Alias("hosting.stored-authorisation.v1")]
public sealed record StoredAuthorisation
{
    [Id(0)] public string Prover { get; init; } = "";
    [Id(1)] public string Bond { get; init; } = "0";
    [Id(2)] public string Signature { get; init; } = "";
}
