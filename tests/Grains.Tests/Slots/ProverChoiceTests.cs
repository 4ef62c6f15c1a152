using System.Numerics;
using Hosting.Contracts.Domain;
using Hosting.Contracts.Slots;
using Hosting.Grains.Slots;

namespace Hosting.Grains.Tests.Slots;

/// <summary>PROTOCOL.md's default proof-boost policy and a tenant's own, with the provers' record, as ProverChoice applies them.</summary>
public sealed class ProverChoiceTests
{
    private static readonly BigInteger MinBond = 10;
    private const string Cheap = "0x1000000000000000000000000000000000000001";
    private const string Middle = "0x2000000000000000000000000000000000000002";
    private const string Dear = "0x3000000000000000000000000000000000000003";

    private static StoredQuote Quote(string prover, int fee, int bond = 10, ulong expiry = 100) =>
        new() { Prover = prover, Fee = fee.ToString(), Bond = bond.ToString(), ExpiryBlock = expiry };

    private static ProverRecord Record(string prover, int lapsed = 0, int slashed = 0) =>
        new(Address.Parse(prover), lapsed, 0, 0, slashed, slashed > 0 ? 1UL : null);

    private static string? Choose(IEnumerable<StoredQuote> quotes, ulong block = 50, string[]? authorised = null, params ProverRecord[] records) =>
        ProverChoice.Next(quotes, MinBond, block, authorised ?? [], records.ToDictionary(r => r.Prover.ToString()))?.Prover;

    [Fact]
    public void The_lowest_fee_wins_among_quotes_with_enough_bond_that_are_still_valid()
    {
        StoredQuote[] quotes = [Quote(Cheap, 1, bond: 9), Quote(Middle, 5, expiry: 40), Quote(Dear, 7)];
        Assert.Equal(Dear, Choose(quotes));
        Assert.Equal(Middle, Choose(quotes, block: 40));
    }

    [Fact]
    public void A_prover_with_a_slash_on_record_is_skipped_even_when_cheapest_and_one_that_lapsed_comes_last()
    {
        StoredQuote[] quotes = [Quote(Cheap, 1), Quote(Middle, 5), Quote(Dear, 7)];
        Assert.Equal(Middle, Choose(quotes, records: Record(Cheap, slashed: 1)));
        Assert.Equal(Dear, Choose(quotes, records: [Record(Cheap, slashed: 1), Record(Middle, lapsed: 2)]));
        Assert.Equal(Middle, Choose(quotes, records: [Record(Cheap, slashed: 1), Record(Middle, lapsed: 2), Record(Dear, lapsed: 1)]));
    }

    [Fact]
    public void The_fallback_takes_the_next_quote_and_none_is_left_once_all_were_authorised()
    {
        StoredQuote[] quotes = [Quote(Cheap, 1), Quote(Middle, 5)];
        Assert.Equal(Middle, Choose(quotes, authorised: [Cheap]));
        Assert.Null(Choose(quotes, authorised: [Cheap, Middle]));
    }

    [Fact]
    public void Equal_fees_go_to_the_lower_address_so_every_silo_picks_the_same()
    {
        Assert.Equal(Cheap, Choose([Quote(Dear, 3), Quote(Cheap, 3), Quote(Middle, 3)]));
    }

    private static string? ChooseUnder(ProverPolicy policy, IEnumerable<StoredQuote> quotes, params ProverRecord[] records) =>
        ProverChoice.Next(quotes, MinBond, 50, [], records.ToDictionary(r => r.Prover.ToString()), policy)?.Prover;

    [Fact]
    public void A_tenants_bond_floor_and_fee_ceiling_exclude_quotes_the_default_would_take()
    {
        StoredQuote[] quotes = [Quote(Cheap, 1, bond: 10), Quote(Middle, 5, bond: 20), Quote(Dear, 9, bond: 30)];
        Assert.Equal(Cheap, ChooseUnder(ProverPolicy.Default, quotes));
        Assert.Equal(Middle, ChooseUnder(ProverPolicy.Default with { MinimumBond = "20" }, quotes));
        Assert.Null(ChooseUnder(ProverPolicy.Default with { MinimumBond = "20", MaximumFee = "4" }, quotes));
        // A floor below the rollup's minimum does not lower it.
        Assert.Equal(Middle, ChooseUnder(ProverPolicy.Default with { MinimumBond = "1" }, [Quote(Cheap, 1, bond: 9), Quote(Middle, 5)]));
    }

    [Fact]
    public void Allowed_and_blocked_provers_and_a_waived_clean_record_decide_who_may_prove()
    {
        StoredQuote[] quotes = [Quote(Cheap, 1), Quote(Middle, 5), Quote(Dear, 7)];
        Assert.Equal(Dear, ChooseUnder(ProverPolicy.Default with { AllowedProvers = [Address.Parse(Dear)] }, quotes));
        Assert.Equal(Middle, ChooseUnder(ProverPolicy.Default with { BlockedProvers = [Address.Parse(Cheap)] }, quotes));
        Assert.Null(ChooseUnder(ProverPolicy.Default with { AllowedProvers = [Address.Parse(Cheap)], BlockedProvers = [Address.Parse(Cheap)] }, quotes));
        // A tenant may take a prover with a slash on record; by default it is skipped.
        Assert.Equal(Middle, ChooseUnder(ProverPolicy.Default, quotes, Record(Cheap, slashed: 1)));
        Assert.Equal(Cheap, ChooseUnder(ProverPolicy.Default with { RequireCleanRecord = false }, quotes, Record(Cheap, slashed: 1)));
    }

    [Fact]
    public void Preferring_the_highest_bond_ranks_by_bond_then_fee_and_still_puts_lapsed_provers_last()
    {
        StoredQuote[] quotes = [Quote(Cheap, 1, bond: 10), Quote(Middle, 5, bond: 30), Quote(Dear, 3, bond: 30)];
        var policy = ProverPolicy.Default with { Preference = ProverPreference.HighestBond };
        Assert.Equal(Dear, ChooseUnder(policy, quotes));
        Assert.Equal(Middle, ChooseUnder(policy, quotes, Record(Dear, lapsed: 1)));
    }

    [Fact]
    public void The_reason_nothing_qualifies_names_the_tenants_limits()
    {
        var policy = ProverPolicy.Default with { MinimumBond = "25", MaximumFee = "4", AllowedProvers = [Address.Parse(Cheap)] };
        var reason = ProverChoice.NoneQualifies(7, 3, MinBond, 50, 0, new Dictionary<string, ProverRecord>(), policy);
        Assert.Contains("a bond of at least 25", reason, StringComparison.Ordinal);
        Assert.Contains("a fee of at most 4", reason, StringComparison.Ordinal);
        Assert.Contains("the 1 the tenant allows", reason, StringComparison.Ordinal);
    }
}
