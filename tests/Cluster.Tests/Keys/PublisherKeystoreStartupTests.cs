using Hosting.Cluster.Tests.L1;
using Hosting.Cluster.Tests.Slots;
using Hosting.L1.Signing;
using Hosting.Signing.Keystore;
using Hosting.TestKit;

namespace Hosting.Cluster.Tests.Keys;

/// <summary>The real silo program refuses to start when a publisher keystore of Hosting:Keys:PublisherKeystoreDirectory does not open.</summary>
public sealed class PublisherKeystoreStartupTests
{
    [Fact]
    public async Task A_publisher_keystore_with_a_wrong_or_missing_password_stops_the_silo_naming_each_file_and_never_the_password()
    {
        var folder = Path.Combine(RepositoryRoot.Combine(".run"), "tests", $"publisher-keys-{Guid.NewGuid():N}");
        var passwords = Directory.CreateDirectory(Path.Combine(folder, "passwords")).FullName;
        var publishers = Directory.CreateDirectory(Path.Combine(folder, "publishers")).FullName;
        try
        {
            const string Right = "the right publisher password";
            const string Wrong = "a wrong publisher password";
            var wrong = LocalKeySigner.FromHex(DevAccounts.PrivateKeyHex(1)).Address;
            var missing = LocalKeySigner.FromHex(DevAccounts.PrivateKeyHex(2)).Address;
            File.WriteAllText(Path.Combine(publishers, "wrong.json"), Web3Keystore.Encrypt(Convert.FromHexString(DevAccounts.PrivateKeyHex(1)[2..]), Right, new KeystoreKdf("pbkdf2", 1000)));
            File.WriteAllText(Path.Combine(passwords, wrong.ToString()), Wrong);
            File.WriteAllText(Path.Combine(publishers, "missing.json"), Web3Keystore.Encrypt(Convert.FromHexString(DevAccounts.PrivateKeyHex(2)[2..]), Right, new KeystoreKdf("pbkdf2", 1000)));

            await using var silo = SiloProcess.Start("silo-keys", new Dictionary<string, string>
            {
                ["Hosting:Mode"] = "Production",
                // Never reached: the keys are checked before anything connects.
                ["Hosting:Postgres:ConnectionString"] = "Host=127.0.0.1;Port=1;Username=nobody",
                ["Hosting:Portal:AdminToken"] = new string('a', 40),
                ["Hosting:Keys:PasswordDirectory"] = passwords,
                ["Hosting:Keys:PublisherKeystoreDirectory"] = publishers,
            });
            Assert.Equal(2, await silo.ExitCodeAsync(TimeSpan.FromSeconds(60)));
            var printed = string.Join("\n", silo.Lines);
            Assert.Contains(Path.Combine(publishers, "wrong.json"), printed, StringComparison.Ordinal);
            Assert.Contains("did not open", printed, StringComparison.Ordinal);
            Assert.Contains($"{Path.Combine(publishers, "missing.json")} ({missing}) has no password file", printed, StringComparison.Ordinal);
            Assert.DoesNotContain(Wrong, printed, StringComparison.Ordinal);
            Assert.DoesNotContain(Right, printed, StringComparison.Ordinal);
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }
}
