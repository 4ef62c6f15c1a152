using Hosting.TestKit;

namespace Hosting.Portal.Tests.Keys;

/// <summary>A devnet silo whose PKCS#11 backend is the process's SoftHSM2 token.</summary>
public sealed class DevnetSiloWithHsm : DevnetSilo
{
    protected override Task<IReadOnlyDictionary<string, string?>> MoreSettingsAsync() => SoftHsm.SettingsAsync();
}

/// <summary>A devnet silo configured for a token label the HSM does not hold (unplugged, or never initialised).</summary>
public sealed class DevnetSiloWithMissingToken : DevnetSilo
{
    public const string MissingLabel = "unplugged-token";

    protected override Task<IReadOnlyDictionary<string, string?>> MoreSettingsAsync() => SoftHsm.SettingsAsync(MissingLabel);
}
