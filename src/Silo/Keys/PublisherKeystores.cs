using Hosting.Grains.L1;
using Hosting.L1.Signing;
using Hosting.Signing.Keystore;
using Hosting.Silo.Configuration;

namespace Hosting.Silo.Keys;

/// <summary>
/// The publishers' L1 keys of a production silo: every Web3 keystore (*.json) in
/// <see cref="KeysOptions.PublisherKeystoreDirectory"/>, opened with the password file named by the address it
/// states in <see cref="KeysOptions.PasswordDirectory"/>. Loaded once at start into <see cref="AccountKeys"/>,
/// so any silo can send for any publisher; a keystore that does not open stops the silo with its file named.
/// </summary>
public static class PublisherKeystores
{
    /// <summary>Opens every publisher keystore; problems are returned (one per file), never the password or key.</summary>
    public static (IReadOnlyList<IEthSigner> Signers, IReadOnlyList<string> Errors) Load(KeysOptions options)
    {
        var signers = new List<IEthSigner>();
        var errors = new List<string>();
        if (options.PublisherKeystoreDirectory is not { Length: > 0 } directory)
        {
            return (signers, errors);
        }
        if (options.PasswordDirectory is not { Length: > 0 } passwords)
        {
            errors.Add("Hosting:Keys:PublisherKeystoreDirectory needs Hosting:Keys:PasswordDirectory (each publisher keystore's password file, named by its address).");
            return (signers, errors);
        }
        foreach (var file in Directory.GetFiles(directory, "*.json").Order(StringComparer.Ordinal))
        {
            try
            {
                var json = File.ReadAllText(file);
                if (Web3Keystore.Describe(json).Address is not { } address)
                {
                    errors.Add($"Publisher keystore {file} states no address, so its password file cannot be found; add the \"address\" field.");
                    continue;
                }
                var passwordFile = Path.Combine(passwords, address.ToString());
                if (!File.Exists(passwordFile))
                {
                    errors.Add($"Publisher keystore {file} ({address}) has no password file {passwordFile}.");
                    continue;
                }
                var signer = new LocalKeySigner(Web3Keystore.Decrypt(json, File.ReadAllText(passwordFile).TrimEnd('\r', '\n')));
                if (signer.Address != address)
                {
                    signer.Dispose();
                    errors.Add($"Publisher keystore {file} states address {address} but holds the key of {signer.Address}.");
                    continue;
                }
                signers.Add(signer);
            }
            catch (KeystoreException e)
            {
                errors.Add($"Publisher keystore {file} did not open: {e.Message}");
            }
        }
        return (signers, errors);
    }
}
