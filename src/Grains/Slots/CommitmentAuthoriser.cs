using System.Globalization;
using System.Numerics;
using Hosting.Contracts.Domain;
using Hosting.Contracts.Slots;
using Hosting.Contracts.Telemetry;
using Hosting.Grains.L1;
using Hosting.L1.Contracts;
using Hosting.Signing;

namespace Hosting.Grains.Slots;

/// <summary>
/// The proof-boost half of a slot grain: signs the commitment authorisation for the chosen quote and, when that
/// prover has not committed within <see cref="ProofBoostOptions.CommitmentGrace"/> while the Commitment phase
/// lasts, for the next quote (PROTOCOL.md allows it: the rollup takes one commitment per slot, whichever
/// authorised prover lands first). Each authorisation is kept so every authorised prover can fetch its own. Behind
/// the signing-safety gate each authorisation is its own record, keyed by (sequencer, slot, prover), so the
/// fallback is signed through the gate like the first; a refusal (the slot's bound of provers) ends the fallback.
/// </summary>
internal sealed class CommitmentAuthoriser(
    IPersistentState<SlotState> state,
    L1Chain chain,
    IDutySigner signer,
    IGrainFactory grains,
    ProofBoostOptions options,
    TimeProvider clock,
    ulong slot)
{
    /// <summary>
    /// At <paramref name="block"/> of the Commitment phase: authorises the best quote, or the next one once the last
    /// chosen prover's grace is over and L1 shows no commitment. True while a later fallback may still be due.
    /// </summary>
    public async Task<bool> AuthoriseAsync(ulong block)
    {
        var s = state.State;
        if (s.Authorisations.Count > 0)
        {
            if (clock.GetUtcNow() < new DateTimeOffset(s.AuthorisedAtTicks, TimeSpan.Zero) + options.CommitmentGrace)
            {
                return true;
            }
            var rollup = new FernetRollupContract(chain.RequireClient(), chain.RequireDeployment().Rollup);
            if (await rollup.SlotStatusAsync(slot) != FernetRollupContract.RollupSlotStatus.Proposed)
            {
                // Committed (the event is on its way) or past commitment: nothing to fall back from.
                return false;
            }
            await LapsedAsync();
        }
        var records = new Dictionary<string, ProverRecord>();
        foreach (var quoted in s.Quotes.Select(q => q.Prover).Distinct())
        {
            records[quoted] = await grains.GetGrain<IProverRecordGrain>(quoted).GetAsync();
        }
        var minimum = chain.RequireDeployment().MinBond;
        var authorised = s.Authorisations.Select(a => a.Prover).ToList();
        var policy = s.Tenant is { Length: > 0 } ? await grains.GetGrain<IProverPolicyGrain>(s.Tenant).GetAsync() : ProverPolicy.Default;
        var chosen = ProverChoice.Next(s.Quotes, minimum, block, authorised, records, policy);
        if (chosen is null)
        {
            state.State = s with { LastError = ProverChoice.NoneQualifies(slot, s.Quotes.Count, minimum, block, authorised.Count, records, policy) };
            await state.WriteStateAsync();
            return false;
        }
        var prover = Address.Parse(chosen.Prover);
        var bond = BigInteger.Parse(chosen.Bond, CultureInfo.InvariantCulture);
        var payload = DutyPayloads.Commitment(chain.RequireDeployment().DomainSeparator, slot, Hash32.Parse(s.BlockHash), prover, bond);
        Signature signature;
        try
        {
            signature = await signer.SignAsync(new DutyRequest(s.Tenant, Address.Parse(s.Candidate), slot, Duty.CommitmentAuthorisation, payload, $"slot/{slot}", prover, policy.MaxAuthorisationsPerSlot));
        }
        catch (SigningRefusedException refused)
        {
            // The gate's word is final for this prover (e.g. the slot's fallback bound is used up): say so and stop falling back.
            state.State = state.State with { LastError = $"authorising prover {chosen.Prover} for slot {slot}: {refused.Message}" };
            await state.WriteStateAsync();
            return false;
        }
        PlatformMetrics.QuoteChosen(s.Tenant);
        state.State = state.State with
        {
            ChosenProver = chosen.Prover,
            ChosenBond = chosen.Bond,
            AuthorisationSignature = signature.ToString(),
            Authorisations = [.. state.State.Authorisations, new StoredAuthorisation { Prover = chosen.Prover, Bond = chosen.Bond, Signature = signature.ToString() }],
            AuthorisedAtTicks = clock.GetUtcNow().UtcTicks,
            LastError = s.Authorisations.Count > 0 ? $"prover {s.ChosenProver} did not commit within {options.CommitmentGrace.TotalSeconds:0.#} s; authorised {chosen.Prover} instead" : "",
        };
        await state.WriteStateAsync();
        return true;
    }

    /// <summary>The Commitment phase ended without a commitment: the last authorised prover let it lapse.</summary>
    public Task LapsedAsync() => state.State.Authorisations.Count > 0
        ? grains.GetGrain<IProverRecordGrain>(state.State.Authorisations[^1].Prover).LapsedAsync(slot)
        : Task.CompletedTask;

    public CommitmentAuthorisation? For(Address prover)
    {
        var s = state.State;
        return s.Authorisations.FirstOrDefault(a => a.Prover == prover.ToString()) is { } found
            ? new CommitmentAuthorisation(slot, Address.Parse(s.Candidate), prover, Hash32.Parse(s.BlockHash),
                BigInteger.Parse(found.Bond, CultureInfo.InvariantCulture), Signature.Parse(found.Signature))
            : null;
    }
}
