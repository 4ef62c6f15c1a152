namespace Hosting.Contracts.Telemetry;

// The bounded vocabularies of the platform's metric labels. Each value is exported in snake_case
// (ConflictingPayload -> "conflicting_payload"); docs/metrics.md lists them and a test keeps the two equal.
// Adding a value adds series for every tenant: add one only when an operator would act differently on it.

/// <summary>What a sequencer key signs (PROTOCOL.md, "Block production").</summary>
public enum Duty
{
    /// <summary>The EIP-712 proposal of a block for a slot.</summary>
    Proposal,

    /// <summary>The EIP-712 authorisation that lets one prover commit to the slot's block.</summary>
    CommitmentAuthorisation,
}

/// <summary>Where the key that signs lives.</summary>
public enum SigningBackend
{
    Keystore,
    Pkcs11,
    AzureKeyVault,
}

/// <summary>Why the signing-safety gate refused to sign.</summary>
public enum RefusalReason
{
    /// <summary>A different payload was already signed for this sequencer, slot and duty: a double sign prevented. Safety.</summary>
    ConflictingPayload,

    /// <summary>The safety record could not be committed before signing (database unreachable), so nothing was signed. Safety.</summary>
    SafetyRecordUnavailable,

    /// <summary>The request came for a sequencer another tenant owns: tenant isolation held. Safety.</summary>
    TenantMismatch,

    /// <summary>The slot's window for this duty is over; signing late gains nothing and only risks a conflict.</summary>
    OutsideWindow,

    /// <summary>No key is configured for the sequencer.</summary>
    UnknownKey,

    /// <summary>The key is disabled, deleted or its sequencer is exiting.</summary>
    KeyInactive,
}

/// <summary>
/// Whether a refusal should never happen in a correct system (safety: page someone) or is the gate doing
/// its ordinary job (policy). Derived from <see cref="RefusalReason"/>, so it adds no series of its own.
/// </summary>
public enum RefusalClass
{
    Safety,
    Policy,
}

/// <summary>How a slot that a hosted sequencer was forecast to win ended for it.</summary>
public enum ProposalOutcome
{
    /// <summary>Our proposal was the best at the end of the Proposal phase.</summary>
    Canonical,

    /// <summary>We proposed but a better-scoring proposal won.</summary>
    Outbid,

    /// <summary>We should have proposed and no proposal of ours landed in the Proposal phase.</summary>
    Missed,
}

/// <summary>Whether the prover chosen for a canonical proposal of ours committed in time.</summary>
public enum CommitmentOutcome
{
    Committed,

    /// <summary>The chosen prover did not commit before the Commitment phase ended; the slot went to backup.</summary>
    Missed,
}

/// <summary>Why Backup opened for a slot a hosted sequencer was due to produce (PROTOCOL.md, "Backup").</summary>
public enum BackupReason
{
    NoProposal,
    NoCommitment,
    NoReveal,
    NoProof,
}

/// <summary>What the platform told its own prover agents for a tenant's slot once backup opened on it.</summary>
public enum BackupDecision
{
    /// <summary>The tenant's policy lets the platform's agents submit the backup block.</summary>
    Submit,

    /// <summary>The tenant's policy says never: the platform's agents did not submit.</summary>
    SkippedByPolicy,
}

/// <summary>What went wrong with a key vault or HSM call.</summary>
public enum VaultError
{
    Timeout,
    Unavailable,
    Unauthorised,
    KeyNotFound,
    Other,
}

/// <summary>Why a publisher's L1 transaction failed.</summary>
public enum PublisherFailure
{
    /// <summary>Mined but reverted.</summary>
    Reverted,

    /// <summary>Left the pool without being mined and could not be rebroadcast.</summary>
    Dropped,

    /// <summary>Rejected by the node for too low a fee, even after bumping.</summary>
    Underpriced,

    /// <summary>The nonce was already used or skipped.</summary>
    NonceConflict,

    /// <summary>The publisher could not pay for gas.</summary>
    InsufficientFunds,

    /// <summary>Every L1 endpoint refused or failed the submission.</summary>
    RpcRejected,
}

/// <summary>How a JSON-RPC call to L1 failed.</summary>
public enum L1RpcError
{
    Timeout,

    /// <summary>Connection refused, reset or DNS failure.</summary>
    Transport,

    /// <summary>A non-2xx HTTP status.</summary>
    HttpStatus,

    /// <summary>A JSON-RPC error object in the response.</summary>
    RpcError,

    /// <summary>A response that did not parse or did not match the request.</summary>
    InvalidResponse,
}

/// <summary>The checks behind /readyz.</summary>
public enum ReadinessCheck
{
    /// <summary>Every hosted sequencer's key is loaded from its vault.</summary>
    Keys,

    /// <summary>The L1 follower is within the allowed number of blocks of the head.</summary>
    L1,

    /// <summary>PostgreSQL answers.</summary>
    Database,

    /// <summary>This silo is an active member of the cluster.</summary>
    Cluster,
}
