using Hosting.Portal.Access;
using Hosting.Silo.Configuration;

namespace Hosting.Portal.Tests.Api;

/// <summary>
/// What an operator sees when Hosting:Portal:ProverAgentTokens is wrong: the entry is named, the token never.
/// </summary>
public sealed class ProverAgentTokenSettingsTests
{
    private const string Admin = "admin-token-with-at-least-32-characters-0001";

    [Fact]
    public void An_empty_entry_and_one_equal_to_the_admin_token_are_named_without_the_value()
    {
        var errors = new PortalOptions { AdminToken = Admin, ProverAgentTokens = ["agent-token-with-at-least-32-characters-01", " ", Admin] }.Validate();
        Assert.Equal(2, errors.Count);
        Assert.Contains(errors, e => e.StartsWith("Hosting:Portal:ProverAgentTokens:1 is empty", StringComparison.Ordinal));
        Assert.Contains(errors, e => e.StartsWith("Hosting:Portal:ProverAgentTokens:2 is the platform-admin token", StringComparison.Ordinal));
        Assert.DoesNotContain(errors, e => e.Contains(Admin, StringComparison.Ordinal));
    }

    [Fact]
    public void Production_refuses_a_short_agent_token_by_its_length_and_devnet_does_not()
    {
        HostingOptions Options(HostingMode mode) => new()
        {
            Mode = mode,
            Postgres = { ConnectionString = "Host=127.0.0.1" },
            Portal = new PortalOptions { AdminToken = Admin, ProverAgentTokens = ["short-agent-token"] },
        };
        var error = Assert.Single(Options(HostingMode.Production).Validate(), e => e.Contains("ProverAgentTokens", StringComparison.Ordinal));
        Assert.Equal("Hosting:Portal:ProverAgentTokens:0 must have at least 32 characters, got 17.", error);
        Assert.DoesNotContain(Options(HostingMode.Devnet).Validate(), e => e.Contains("ProverAgentTokens", StringComparison.Ordinal));
    }
}
