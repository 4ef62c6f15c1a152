namespace Hosting.Contracts.Domain;

/// <summary>
/// Where a sequencer stands in its L1 lifecycle (PROTOCOL.md, "Registration, exit, delegation").
/// The numbers are fixed because stored grain state and the metrics' label values depend on them;
/// new states take new numbers.
/// </summary>
public enum SequencerStatus
{
    /// <summary>Not registered on L1 (yet, or any more after its record was removed): "unregistered".</summary>
    None = 0,

    /// <summary>Registered with stake; eligible once ENTRY_PERIOD blocks have passed.</summary>
    Queued = 1,

    /// <summary>Eligible for elections while its own plus delegated stake reaches MIN_STAKE.</summary>
    Active = 2,

    /// <summary>The withdrawer started an exit: no longer eligible, stake locked for EXIT_DELAY.</summary>
    Exiting = 3,

    /// <summary>The exit is finalised and the stake returned to the withdrawer.</summary>
    Exited = 4,

    /// <summary>Our registration transaction is sent but no SequencerRegistered event is confirmed yet.</summary>
    Registering = 5,
}
