using Hosting.TestKit;
using Hosting.Contracts.Telemetry;
using Hosting.Signing;
using Hosting.Signing.AzureKeyVault;
using Hosting.Signing.Pkcs11;
using Hosting.Silo;
using Hosting.Silo.Configuration;
using Microsoft.Extensions.DependencyInjection;

namespace Hosting.Portal.Tests.Keys;

/// <summary>
/// Hosting:Keys:Pkcs11 and Hosting:Keys:KeyVault: a silo with good settings has the backend; each bad setting stops it naming that
/// setting, and the PIN is never part of an error.
/// </summary>
public sealed class KeyBackendSettingsTests
{
    private const string SecretPin = "pin-that-must-not-leak-4711";
    private static readonly string[] Postgres = ["--Hosting:Postgres:ConnectionString=Host=127.0.0.1;Database=unused", "--Hosting:Postgres:MigrateOnStart=false"];

    private static HostingConfigurationException Refused(params string[] settings) =>
        Assert.Throws<HostingConfigurationException>(() => SiloApplication.Build([.. Postgres, .. settings]));

    private static string PinFile(string content)
    {
        var path = Path.Combine(Directory.CreateTempSubdirectory("hsm-settings-").FullName, "pin");
        File.WriteAllText(path, content);
        return path;
    }

    [Fact]
    public async Task a_silo_with_a_token_label_library_and_pin_file_has_the_pkcs11_backend_and_one_without_has_none()
    {
        var pinFile = await SoftHsm.PinFileAsync();
        await using (var app = SiloApplication.Build([.. Postgres, "--Hosting:Keys:Pkcs11:TokenLabel=" + SoftHsm.Label, "--Hosting:Keys:Pkcs11:UserPinFile=" + pinFile]))
        {
            Assert.NotNull(app.Services.GetService<Pkcs11Backend>());
        }
        await using (var app = SiloApplication.Build([.. Postgres]))
        {
            Assert.Null(app.Services.GetService<Pkcs11Backend>());
        }
    }

    [Fact]
    public void the_pin_is_read_from_the_file_or_the_environment_variable_the_settings_name()
    {
        var fromFile = new Pkcs11KeysOptions { TokenLabel = "t", UserPinFile = PinFile(SecretPin + "\n") }.ToBackendOptions();
        Assert.Equal(SecretPin, fromFile.UserPin);
        var variable = "HOSTING_TEST_HSM_PIN_" + Guid.NewGuid().ToString("N")[..8];
        Environment.SetEnvironmentVariable(variable, SecretPin);
        try
        {
            var fromVariable = new Pkcs11KeysOptions { TokenLabel = "t", UserPinVariable = variable }.ToBackendOptions();
            Assert.Equal(SecretPin, fromVariable.UserPin);
            Assert.DoesNotContain(SecretPin, fromVariable.ToString(), StringComparison.Ordinal);
        }
        finally
        {
            Environment.SetEnvironmentVariable(variable, null);
        }
    }

    [Fact]
    public void each_bad_setting_stops_the_silo_naming_it_and_the_pin_never_appears()
    {
        var pin = PinFile(SecretPin);
        var unset = "HOSTING_TEST_UNSET_" + Guid.NewGuid().ToString("N")[..8];
        var cases = new (string[] Settings, string Names)[]
        {
            (["--Hosting:Keys:Pkcs11:TokenLabel=seq", "--Hosting:Keys:Pkcs11:LibraryPath=/nonexistent/libvendor.so", "--Hosting:Keys:Pkcs11:UserPinFile=" + pin],
                "Hosting:Keys:Pkcs11:LibraryPath '/nonexistent/libvendor.so' is not a file"),
            (["--Hosting:Keys:Pkcs11:TokenLabel=seq"], "Hosting:Keys:Pkcs11 needs the token's user PIN: set Hosting:Keys:Pkcs11:UserPinFile"),
            (["--Hosting:Keys:Pkcs11:TokenLabel=seq", "--Hosting:Keys:Pkcs11:UserPinFile=" + pin, "--Hosting:Keys:Pkcs11:UserPinVariable=HOME"],
                "Hosting:Keys:Pkcs11:UserPinFile and Hosting:Keys:Pkcs11:UserPinVariable are both set"),
            (["--Hosting:Keys:Pkcs11:TokenLabel=seq", "--Hosting:Keys:Pkcs11:UserPinFile=/nonexistent/pin"], "Hosting:Keys:Pkcs11:UserPinFile '/nonexistent/pin' is not a file"),
            (["--Hosting:Keys:Pkcs11:TokenLabel=seq", "--Hosting:Keys:Pkcs11:UserPinFile=" + PinFile("\n")], "is empty"),
            (["--Hosting:Keys:Pkcs11:TokenLabel=seq", "--Hosting:Keys:Pkcs11:UserPinVariable=" + unset], $"names the environment variable '{unset}', which is not set"),
            (["--Hosting:Keys:Pkcs11:UserPinFile=" + pin], "Hosting:Keys:Pkcs11:TokenLabel is required"),
            (["--Hosting:Keys:Pkcs11:TokenLabel=" + new string('t', 33), "--Hosting:Keys:Pkcs11:UserPinFile=" + pin], "Hosting:Keys:Pkcs11:TokenLabel has at most 32 characters"),
            (["--Hosting:Keys:Pkcs11:TokenLabel=seq", "--Hosting:Keys:Pkcs11:UserPinFile=" + pin, "--Hosting:Keys:Pkcs11:Sessions=0"], "Hosting:Keys:Pkcs11:Sessions must be between 1 and 64, got 0"),
        };
        foreach (var (settings, names) in cases)
        {
            var refused = Refused(settings);
            Assert.Contains(refused.Errors, e => e.Contains(names, StringComparison.Ordinal));
            Assert.DoesNotContain(SecretPin, refused.Message, StringComparison.Ordinal);
        }

        // Without PostgreSQL there is no key custody to record HSM keys in.
        var noCustody = Assert.Throws<HostingConfigurationException>(() =>
            SiloApplication.Build(["--Hosting:Keys:Pkcs11:TokenLabel=seq", "--Hosting:Keys:Pkcs11:UserPinFile=" + pin]));
        Assert.Contains(noCustody.Errors, e => e.Contains("Hosting:Keys:Pkcs11 needs Hosting:Postgres:ConnectionString", StringComparison.Ordinal));
    }

    [Fact]
    public async Task a_vault_url_wires_the_key_vault_backend_that_generates_keys_there_and_bad_vault_settings_are_named()
    {
        await using (var app = SiloApplication.Build([.. Postgres, "--Hosting:Keys:KeyVault:VaultUrl=https://acme.vault.azure.net/", "--Hosting:Keys:KeyVault:Credential=WorkloadIdentity"]))
        {
            Assert.NotNull(app.Services.GetService<KeyVaultBackend>());
            var custody = app.Services.GetRequiredService<KeyCustody>();
            Assert.True(custody.CanGenerate(SigningBackend.AzureKeyVault));
            Assert.False(custody.HasBackend(SigningBackend.Pkcs11));
        }
        var cases = new (string[] Settings, string Names)[]
        {
            (["--Hosting:Keys:KeyVault:VaultUrl=http://acme.vault.azure.net/"], "Hosting:Keys:KeyVault:VaultUrl must be a vault's https URL without a path"),
            (["--Hosting:Keys:KeyVault:VaultUrl=https://acme.vault.azure.net/keys/k1"], "got 'https://acme.vault.azure.net/keys/k1'"),
            (["--Hosting:Keys:KeyVault:VaultUrl=https://acme.vault.azure.net/", "--Hosting:Keys:KeyVault:Credential=Password"], "Hosting:Keys:KeyVault:Credential must be one of Default, ManagedIdentity, WorkloadIdentity, Environment, AzureCli, got 'Password'"),
            (["--Hosting:Keys:KeyVault:VaultUrl=https://acme.vault.azure.net/", "--Hosting:Keys:KeyVault:KeyType=RSA"], "Hosting:Keys:KeyVault:KeyType must be EC-HSM or EC, got 'RSA'"),
        };
        foreach (var (settings, names) in cases)
        {
            Assert.Contains(Refused(settings).Errors, e => e.Contains(names, StringComparison.Ordinal));
        }
        var noCustody = Assert.Throws<HostingConfigurationException>(() => SiloApplication.Build(["--Hosting:Keys:KeyVault:VaultUrl=https://acme.vault.azure.net/"]));
        Assert.Contains(noCustody.Errors, e => e.Contains("Hosting:Keys:KeyVault needs Hosting:Postgres:ConnectionString", StringComparison.Ordinal));
    }
}
