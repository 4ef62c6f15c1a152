using Hosting.Contracts.Telemetry;

namespace Hosting.Signing;

/// <summary>
/// The stored and interchange names of duties. Written out rather than derived from the enum so renaming a
/// C# member can never change what the safety records and exported files say.
/// </summary>
public static class DutyNames
{
    /// <summary>A block proposal.</summary>
    public const string Proposal = "proposal";
    /// <summary>A prover-commitment authorisation.</summary>
    public const string CommitmentAuthorisation = "commitment_authorisation";

    /// <summary>The stored name of <paramref name="duty"/>.</summary>
    public static string Of(Duty duty) => duty switch
    {
        Duty.Proposal => Proposal,
        Duty.CommitmentAuthorisation => CommitmentAuthorisation,
        _ => throw new ArgumentOutOfRangeException(nameof(duty), duty, $"not a duty the gate signs; expected {Proposal} or {CommitmentAuthorisation}"),
    };

    /// <summary>True for the duties the gate signs.</summary>
    public static bool IsDefined(Duty duty) => duty is Duty.Proposal or Duty.CommitmentAuthorisation;

    /// <summary>The duty a stored name stands for; <see cref="FormatException"/> for any other text.</summary>
    public static Duty Parse(string name) => name switch
    {
        Proposal => Duty.Proposal,
        CommitmentAuthorisation => Duty.CommitmentAuthorisation,
        _ => throw new FormatException($"'{name}' is not a duty; expected '{Proposal}' or '{CommitmentAuthorisation}'."),
    };
}
