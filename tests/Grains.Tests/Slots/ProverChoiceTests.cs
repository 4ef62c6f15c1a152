using System.Numerics;
using Hosting.Contracts.Domain;
using Hosting.Contracts.Slots;
using Hosting.Grains.Slots;

namespace Hosting.Grains.Tests.Slots;

/// <summary>PROTOCOL.md's default proof-boost policy with the provers' record, as ProverChoice applies it.</summary>
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
}
