using System.Globalization;
using System.Numerics;
using System.Text.Json;
using Hosting.Contracts.Domain;
using Hosting.L1.Crypto;
using Hosting.L1.Rpc;
using Hosting.L1.Signing;
using Hosting.L1.Tests.Peers;
using Hosting.L1.Transactions;

namespace Hosting.L1.Tests;

/// <summary>Legacy (EIP-155) and EIP-1559 transactions: byte-equal to cast mktx, decoded by cast, accepted by anvil.</summary>
public sealed class TransactionTests(AnvilFixture anvil) : IClassFixture<AnvilFixture>
{
    private const int Cases = 50;

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task Random_transactions_encode_sign_and_hash_like_cast_mktx(bool legacy)
    {
        var generated = new Generated(legacy ? 3001 : 3002);
        var cases = Enumerable.Range(0, Cases).Select(_ => (Key: generated.Key(), Transaction: RandomTransaction(generated, legacy))).ToList();
        var answers = await Cast.BatchAsync(cases.Select(c => MktxArguments(c.Key, c.Transaction)));
        for (var i = 0; i < Cases; i++)
        {
            var (key, transaction) = cases[i];
            using var signer = new LocalKeySigner(key);
            var signed = await signer.SignTransactionAsync(transaction);
            var raw = Hex.Encode(signed.Encode());
            Assert.True(answers[i] == raw, $"seed {generated.Seed} case {i}: cast {answers[i]}, ours {raw}");
            var decoded = SignedTransaction.Decode(Hex.Decode(answers[i]));
            Assert.Equal(raw, Hex.Encode(decoded.Encode()));
            Assert.Equal(signed.Hash, decoded.Hash);
            Assert.Equal(key.Address, decoded.RecoverSender());
        }
    }

    [Fact]
    public async Task Cast_decodes_our_transactions_to_the_fields_we_set()
    {
        var generated = new Generated(3003);
        var cases = Enumerable.Range(0, 20).Select(i => (Key: generated.Key(), Transaction: RandomTransaction(generated, legacy: i % 2 == 0))).ToList();
        var signed = new List<SignedTransaction>();
        foreach (var (key, transaction) in cases)
        {
            using var signer = new LocalKeySigner(key);
            signed.Add(await signer.SignTransactionAsync(transaction));
        }
        var answers = await Cast.BatchAsync(signed.Select(s => (string[])["decode-transaction", Hex.Encode(s.Encode())]));
        for (var i = 0; i < signed.Count; i++)
        {
            var json = JsonDocument.Parse(JsonSerializer.Deserialize<string>(answers[i])!).RootElement;
            var transaction = signed[i].Transaction;
            Assert.Equal(cases[i].Key.Address.ToString(), json.GetProperty("signer").GetString());
            Assert.Equal(signed[i].Hash.ToString(), json.GetProperty("hash").GetString());
            Assert.Equal(transaction.Nonce, Hex.DecodeUInt64Quantity(json.GetProperty("nonce").GetString()!));
            Assert.Equal(transaction.Value, Hex.DecodeQuantity(json.GetProperty("value").GetString()!));
            Assert.Equal(Hex.Encode(transaction.Data), json.GetProperty("input").GetString());
            Assert.Equal(transaction.To?.ToString(), json.GetProperty("to").GetString());
        }
    }

    [Fact]
    public async Task Anvil_accepts_our_signed_transactions_and_reports_the_same_hash_and_sender()
    {
        using var signer = LocalKeySigner.FromHex(AnvilFixture.DevKey0);
        var chainId = await anvil.Client.GetChainIdAsync();
        var recipient = new Generated(3004).Address();
        var nonce = await anvil.Client.GetTransactionCountAsync(signer.Address);
        var hashes = new List<Hash32>();
        for (var i = 0; i < 3; i++)
        {
            Transaction transaction = i == 1
                ? new LegacyTransaction { ChainId = chainId, Nonce = nonce + (ulong)i, GasPrice = 3_000_000_000, GasLimit = 21_000, To = recipient, Value = 1000 + i }
                : new Eip1559Transaction { ChainId = chainId, Nonce = nonce + (ulong)i, MaxPriorityFeePerGas = 1_000_000_000, MaxFeePerGas = 5_000_000_000, GasLimit = 21_000, To = recipient, Value = 1000 + i };
            hashes.Add(await anvil.Client.SendRawTransactionAsync(await signer.SignTransactionAsync(transaction)));
        }
        await anvil.Node.MineAsync();
        foreach (var hash in hashes)
        {
            var receipt = await anvil.Client.WaitForReceiptAsync(hash, TimeSpan.FromSeconds(10));
            Assert.True(receipt.Succeeded);
            Assert.Equal(signer.Address, receipt.From);
            var shown = JsonDocument.Parse(await Cast.RunAsync("tx", hash.ToString(), "--json", "--rpc-url", anvil.Node.RpcUrl.ToString())).RootElement;
            Assert.Equal(hash.ToString(), shown.GetProperty("hash").GetString());
            Assert.Equal(signer.Address.ToString(), shown.GetProperty("from").GetString()!.ToLowerInvariant());
        }
        Assert.Equal(new BigInteger(3003), await anvil.Client.GetBalanceAsync(recipient));
    }

    [Fact]
    public async Task Anvil_refuses_a_replayed_nonce_with_a_typed_error()
    {
        using var signer = LocalKeySigner.FromHex(AnvilFixture.DevKey0);
        var transaction = new Eip1559Transaction { ChainId = 31337, Nonce = 0, MaxPriorityFeePerGas = 1, MaxFeePerGas = 10_000_000_000, GasLimit = 21_000, To = signer.Address };
        await anvil.Node.MineAsync();
        var nonce = await anvil.Client.GetTransactionCountAsync(signer.Address, BlockTag.Latest);
        if (nonce == 0)
        {
            await anvil.Client.SendRawTransactionAsync(await signer.SignTransactionAsync(transaction));
            await anvil.Node.MineAsync();
        }
        var error = await Assert.ThrowsAsync<RpcException>(() => SendAsync(signer, transaction));
        Assert.Equal("eth_sendRawTransaction", error.Method);
        Assert.Contains("nonce", error.RpcMessage, StringComparison.OrdinalIgnoreCase);
    }

    private async Task SendAsync(LocalKeySigner signer, Transaction transaction) =>
        await anvil.Client.SendRawTransactionAsync(await signer.SignTransactionAsync(transaction));

    private string[] MktxArguments(PrivateKey key, Transaction transaction)
    {
        var arguments = new List<string>
        {
            "mktx", "--private-key", Hex.Encode(key.Bytes), "--nonce", Text(transaction.Nonce), "--gas-limit", Text(transaction.GasLimit),
            "--value", Text(transaction.Value), "--rpc-url", anvil.Node.RpcUrl.ToString(),
        };
        switch (transaction)
        {
            case LegacyTransaction legacy:
                arguments.AddRange(["--legacy", "--gas-price", Text(legacy.GasPrice), "--chain", Text(legacy.ChainId!.Value)]);
                break;
            case Eip1559Transaction eip1559:
                arguments.AddRange(["--gas-price", Text(eip1559.MaxFeePerGas), "--priority-gas-price", Text(eip1559.MaxPriorityFeePerGas), "--chain", Text(eip1559.ChainId)]);
                break;
        }
        arguments.AddRange([transaction.To!.Value.ToString(), Hex.Encode(transaction.Data)]);
        return [.. arguments];
    }

    private static Transaction RandomTransaction(Generated generated, bool legacy)
    {
        var chainId = generated.Int(3) switch { 0 => 1UL, 1 => 31337UL, _ => (ulong)generated.Unsigned(40) + 1 };
        var nonce = (ulong)generated.Unsigned(generated.Bool() ? 8 : 48);
        var gasLimit = 21_000 + (ulong)generated.Unsigned(30);
        var value = generated.Unsigned(generated.Bool() ? 64 : 200);
        var data = generated.Bytes(generated.Int(4) == 0 ? 0 : generated.Int(300));
        var to = generated.Address();
        if (legacy)
        {
            return new LegacyTransaction { ChainId = chainId, Nonce = nonce, GasPrice = generated.Unsigned(80), GasLimit = gasLimit, Value = value, Data = data, To = to };
        }
        var maxFee = generated.Unsigned(80);
        return new Eip1559Transaction { ChainId = chainId, Nonce = nonce, MaxFeePerGas = maxFee, MaxPriorityFeePerGas = maxFee.IsZero ? 0 : generated.Unsigned(64) % (maxFee + 1), GasLimit = gasLimit, Value = value, Data = data, To = to };
    }

    private static string Text(BigInteger value) => value.ToString(CultureInfo.InvariantCulture);
}
