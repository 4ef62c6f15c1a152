using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using System.Net.Http.Json;
using System.Net.WebSockets;
using System.Numerics;
using System.Text;
using System.Text.Json;
using Hosting.Contracts.Domain;
using Hosting.Contracts.L1;
using Hosting.Contracts.Publishers;
using Hosting.Contracts.Sequencers;
using Hosting.Contracts.Slots;
using Hosting.Contracts.Telemetry;
using Hosting.Contracts.Tenants;
using Hosting.Grains.L1;
using Hosting.L1;
using Hosting.L1.Abi;
using Hosting.L1.Contracts;
using Hosting.L1.Signing;
using Hosting.Signing;
using Hosting.Signing.Keystore;
using Hosting.Silo;
using Hosting.TestKit;
using Microsoft.Extensions.DependencyInjection;

// dotnet run -c Release --project bench/SlotLatency -- [hosted sequencers] [measured slots] [follower poll ms or 'default'] [warm-up slots]
// Needs HOSTING_TEST_POSTGRES (a server where databases may be created), anvil and forge from node_modules.
// A real anvil with infra/l1 deployed by its forge script, one production-mode silo in this process on PostgreSQL
// (signing-safety gate, key custody), the hosted keys registered as keystores, the sequencers registered on L1.
// Mining is on demand. The slot grain proposes from the block before the one that opens Proposal, so that its
// proposal lands in the phase's first block: the harness mines that block, measures until our proposal transaction is
// in anvil's pool (anvil's own newPendingTransactions notification), mines the opening block one block interval later
// (BENCH_BLOCK_MS, default 1000: anvil's devnet interval; mainnet's is 12000), and reads which block the proposal is in.
var hostedCount = args.Length > 0 ? int.Parse(args[0], CultureInfo.InvariantCulture) : 1_000;
var measured = args.Length > 1 ? int.Parse(args[1], CultureInfo.InvariantCulture) : 50;
var pollMs = args.Length > 2 && args[2] != "default" ? args[2] : null;
// Warm-up: the first slots after a bulk registration still share the machine with its aftermath (tenant index
// writes, grain activations, JIT); 10 keeps them out of a steady-state figure. Pass 2 to see them.
var WarmUpSlots = args.Length > 3 ? int.Parse(args[3], CultureInfo.InvariantCulture) : 10;
// The set-up bulk-loads thousands of keys, registrations and tenant index rows in minutes (about 0.5 GB of WAL at 10k),
// which PostgreSQL's next time-based checkpoints then write back while the slots are measured. A running platform
// reached its hosted set over days, so by default the harness checkpoints once after the set-up and measures the
// steady state; BENCH_CHECKPOINT_AFTER_SETUP=false measures the slots inside the set-up's write-back instead.
var blockInterval = TimeSpan.FromMilliseconds(int.TryParse(Environment.GetEnvironmentVariable("BENCH_BLOCK_MS"), CultureInfo.InvariantCulture, out var blockMs) ? blockMs : 1000);
var checkpointAfterSetup = !string.Equals(Environment.GetEnvironmentVariable("BENCH_CHECKPOINT_AFTER_SETUP"), "false", StringComparison.OrdinalIgnoreCase);
Console.WriteLine($"# {DateTime.UtcNow:yyyy-MM-dd HH:mm} UTC, {Environment.ProcessorCount} cores, {Environment.OSVersion}, .NET {Environment.Version}");
Console.WriteLine($"{hostedCount} hosted sequencers, {measured} measured slots after {WarmUpSlots} warm-up, follower poll {pollMs ?? "default"} ms; load average {LoadAverage()}");

var spans = new ConcurrentQueue<Activity>();
using var listener = new ActivityListener
{
    ShouldListenTo = source => source.Name == HostingTelemetry.ActivitySourceName,
    // Only the spans the breakdown reads: keeping every JSON-RPC call's span would grow this process's heap over a
    // 10k set-up and add garbage collection that a silo without this listener never does.
    Sample = (ref ActivityCreationOptions<ActivityContext> options) =>
        options.Name.StartsWith("slot ", StringComparison.Ordinal) || options.Name.StartsWith("sign ", StringComparison.Ordinal)
        || options.Name.StartsWith("pool ", StringComparison.Ordinal)
        || options.Name is "l1 step" or "keys reload" or "fleet gauges" or "tenant flush"
            ? ActivitySamplingResult.AllDataAndRecorded : ActivitySamplingResult.None,
    ActivityStopped = spans.Enqueue,
};
ActivitySource.AddActivityListener(listener);

// A probe of the thread pool, where Orleans runs every grain turn: a dedicated thread queues a work item every 5 ms and
// keeps how long each waited to start. A slot's stall with a long wait here is CPU or thread-pool starvation in this
// process, not PostgreSQL or anvil.
var dispatch = new ConcurrentQueue<(DateTime At, double WaitMs)>();
var probing = new Thread(() =>
{
    while (true)
    {
        var queued = Stopwatch.GetTimestamp();
        var at = DateTime.UtcNow;
        ThreadPool.UnsafeQueueUserWorkItem(_ =>
        {
            dispatch.Enqueue((at, Stopwatch.GetElapsedTime(queued).TotalMilliseconds));
            while (dispatch.Count > 200_000 && dispatch.TryDequeue(out var _))
            {
            }
        }, null);
        Thread.Sleep(5);
    }
}) { IsBackground = true, Name = "thread-pool probe" };
probing.Start();

var setup = Stopwatch.StartNew();
var file = Path.Combine(RepositoryRoot.Combine(".run"), "bench", $"slot-latency-{Guid.NewGuid():N}.json");
Directory.CreateDirectory(Path.GetDirectoryName(file)!);
await using var anvil = await InfraL1.StartDeployedAnvilAsync(file);
var deployment = L1Deployment.Read(file) ?? throw new InvalidOperationException($"{file} names no contracts");
var schedule = deployment.Schedule ?? throw new InvalidOperationException("the deployment has no slot schedule");
var database = await PostgresServer.CreateDatabaseAsync("latency");
var port = FreePort.Next();
List<string> siloArgs =
[
    "--urls", $"http://127.0.0.1:{port}", "--Hosting:Mode=Production", $"--Hosting:SiloPort={FreePort.Next()}", $"--Hosting:GatewayPort={FreePort.Next()}",
    "--Hosting:AdvertisedAddress=127.0.0.1", $"--Hosting:ClusterId=latency-{Guid.NewGuid():N}"[..40],
    $"--Hosting:Postgres:ConnectionString={database}", "--Hosting:Postgres:MigrateOnStart=true",
    $"--Hosting:L1:RpcUrls:0={anvil.RpcUrl}", $"--Hosting:L1:RpcUrls:1={anvil.WebSocketUrl}", $"--Hosting:L1:DeploymentFile={file}",
    $"--Hosting:Portal:AdminToken={Convert.ToHexString(System.Security.Cryptography.RandomNumberGenerator.GetBytes(24))}",
    "--Hosting:LogFormat=Text", "--Logging:LogLevel:Default=Warning", "--Logging:LogLevel:Hosting=Error",
];
if (pollMs is not null)
{
    siloArgs.Add($"--Hosting:L1:PollMilliseconds={pollMs}");
}
var app = SiloApplication.Build([.. siloArgs]);
await app.StartAsync();
// Which way the pool's reservation and the slot's block record commit (Hosting:Storage:AsynchronousCommits, e.g. the
// environment's Hosting__Storage__AsynchronousCommits=false, and the silo's same-server check at start).
var storage = (Hosting.Silo.Database.OrderedGrainStorage)app.Services.GetRequiredKeyedService<Orleans.Storage.IGrainStorage>(Hosting.Grains.GrainStorage.Name);
Console.WriteLine($"grain writes ordered before the gate's commit: {(storage.AsynchronousCommits ? "asynchronous (synchronous_commit = off)" : "durable")}");
var grains = app.Services.GetRequiredService<IGrainFactory>();
var keys = app.Services.GetRequiredService<AccountKeys>();
var custody = app.Services.GetRequiredService<KeyCustody>();

// Four tenants, each with one of anvil's dev accounts as publisher, withdrawer and funder of its stakes.
string[] devKeys =
[
    "0xac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80",
    "0x59c6995e998f97a5a0044966f0945389dc9e86dae88c7a8412f4603b6b78690d",
    "0x5de4111afa1a4b94908f83103eb1f1706367c2e68ca870fc3fb9a804cdab365a",
    "0x7c852118294e51e653712a81e05800f419141751be58f605c371e15141b007a6",
];
var publishers = devKeys.Select(LocalKeySigner.FromHex).ToArray();
var tenants = Enumerable.Range(0, publishers.Length).Select(i => $"t{i}").ToArray();
for (var i = 0; i < tenants.Length; i++)
{
    keys.Add(publishers[i]);
    await grains.GetGrain<ITenantGrain>(tenants[i]).SaveAsync(tenants[i]);
    await grains.GetGrain<IPublisherGrain>(publishers[i].Address.ToString()).AttachAsync(tenants[i]);
}

// Keys: keystores (pbkdf2 with one round: the bench measures duties, not imports) in key custody, then imported.
var hosted = new Dictionary<string, List<Address>>();
for (var i = 0; i < tenants.Length; i++)
{
    var count = hostedCount / tenants.Length + (i < hostedCount % tenants.Length ? 1 : 0);
    var inputs = Enumerable.Range(0, count).Select(_ => new KeystoreInput(Web3Keystore.Encrypt(RandomSecret(), "pw", new KeystoreKdf("pbkdf2", 1)), "pw")).ToList();
    var registered = await custody.RegisterKeystoresAsync(tenants[i], inputs, "slot-latency bench");
    hosted[tenants[i]] = [.. registered.Select(r => r.Key?.Address ?? throw new InvalidOperationException($"keystore {r.Index} not registered: {r.Error?.Message}"))];
}
Console.WriteLine($"{hostedCount} keystores in custody after {setup.Elapsed.TotalSeconds:F0} s");
await Task.WhenAll(tenants.Select(async tenant =>
{
    foreach (var sequencer in hosted[tenant])
    {
        await grains.GetGrain<ISequencerGrain>(sequencer.ToString()).ImportAsync(tenant);
    }
}));
Console.WriteLine($"imported by their tenants after {setup.Elapsed.TotalSeconds:F0} s");

// The fast path onto L1: automine off, every register sent by the tenant's dev account (unlocked in anvil) in
// JSON-RPC batches with explicit nonces, then blocks mined until the pool is empty. The same register call the
// platform's publisher sends; only the per-transaction round trip and the one-block-per-transaction are skipped.
var stake = deployment.MinStake;
await anvil.RpcAsync("evm_setAutomine", false);
// Room for all of them in a block or two: full 30M blocks would raise the base fee past what the later ones offer.
await anvil.RpcAsync("evm_setBlockGasLimit", "0x2540be400");
var approve = AbiFunction.Parse("approve(address,uint256)");
using var http = new HttpClient { Timeout = TimeSpan.FromMinutes(5) };
for (var i = 0; i < tenants.Length; i++)
{
    var from = publishers[i].Address;
    var nonce = Convert.ToInt64((await anvil.RpcAsync("eth_getTransactionCount", from.ToString(), "pending")).GetString(), 16);
    var calls = new List<(Address To, byte[] Data)> { (deployment.Token, approve.EncodeCall(deployment.Registry, stake * hosted[tenants[i]].Count)) };
    calls.AddRange(hosted[tenants[i]].Select(s => (deployment.Registry, RegistryAbi.Register.EncodeCall(s, from, stake))));
    foreach (var chunk in calls.Chunk(250))
    {
        var batch = chunk.Select(call => new
        {
            jsonrpc = "2.0", id = nonce, method = "eth_sendTransaction",
            @params = new object[] { new { from = from.ToString(), to = call.To.ToString(), data = Hex.Encode(call.Data), gas = "0x61a80", gasPrice = "0x174876e800", nonce = $"0x{nonce++:x}" } },
        }).ToList();
        var answers = await (await http.PostAsJsonAsync(anvil.RpcUrl, batch)).Content.ReadFromJsonAsync<JsonElement[]>();
        if (answers!.FirstOrDefault(a => a.TryGetProperty("error", out _)) is { ValueKind: JsonValueKind.Object } failed)
        {
            throw new InvalidOperationException($"eth_sendTransaction refused: {failed}");
        }
    }
}
for (var pending = int.MaxValue; pending > 0;)
{
    await anvil.MineAsync(1);
    var status = await anvil.RpcAsync("txpool_status");
    pending = Convert.ToInt32(status.GetProperty("pending").GetString(), 16) + Convert.ToInt32(status.GetProperty("queued").GetString(), 16);
}
await anvil.MineAsync((int)deployment.EntryPeriodBlocks + 1);
var registeredAt = setup.Elapsed;
await FollowedAsync(TimeSpan.FromMinutes(20));
var active = await ActiveCountAsync();
Console.WriteLine($"registered on L1 in {registeredAt.TotalSeconds:F0} s since start; {active} active on the registry; the follower delivered it all after {setup.Elapsed.TotalSeconds:F0} s");
if (active != hostedCount)
{
    throw new InvalidOperationException($"the registry has {active} active sequencers, expected {hostedCount}: some register transactions reverted");
}

if (checkpointAfterSetup)
{
    var checkpointing = Stopwatch.StartNew();
    await PostgresActivity.CheckpointAsync(database);
    Console.WriteLine($"checkpoint after the set-up: {checkpointing.Elapsed.TotalSeconds:F1} s (BENCH_CHECKPOINT_AFTER_SETUP=false leaves the set-up's write-back to PostgreSQL's own checkpoints)");
}
else
{
    Console.WriteLine("no checkpoint after the set-up: the measured slots share the disk with the set-up's write-back");
}
PostgresActivity? walAtFirstMeasured = null;
var measuredFrom = DateTime.MaxValue;

// anvil tells us when a block is mined and when a transaction enters its pool.
var heads = new ConcurrentDictionary<ulong, DateTime>();
var pooled = new ConcurrentDictionary<string, DateTime>(StringComparer.OrdinalIgnoreCase);
using var socket = new ClientWebSocket();
await socket.ConnectAsync(anvil.WebSocketUrl, CancellationToken.None);
await SendAsync(socket, """{"jsonrpc":"2.0","id":1,"method":"eth_subscribe","params":["newHeads"]}""");
await SendAsync(socket, """{"jsonrpc":"2.0","id":2,"method":"eth_subscribe","params":["newPendingTransactions"]}""");
using var stop = new CancellationTokenSource();
var reading = ReadAsync(socket, heads, pooled, stop.Token);

var first = schedule.SlotAt((ulong)await anvil.BlockNumberAsync())!.Value + 2;
var samples = new List<Sample>();
var notOurs = new List<string>();
for (var slot = first; slot < first + (ulong)(measured + WarmUpSlots); slot++)
{
    var start = schedule.StartOf(slot);
    // The block the slot grain proposes on: a transaction sent once it is the head lands in `start` at the earliest.
    var acting = start - 1;
    var head = (ulong)await anvil.BlockNumberAsync();
    if (acting - 1 > head)
    {
        await anvil.MineAsync((int)(acting - 1 - head));
    }
    await FollowedAsync(TimeSpan.FromMinutes(2));
    // Let the previous blocks' work settle, so each slot starts from a quiet platform as a real 12 s block would.
    await Task.Delay(300);
    var grain = grains.GetGrain<ISlotGrain>(SlotKeys.Slot(slot));
    if ((await grain.GetAsync()).Outcome != SlotOutcome.Forecast)
    {
        notOurs.Add($"slot {slot}: {(await grain.GetAsync()).Outcome}");
        continue;
    }
    if (slot == first + (ulong)WarmUpSlots)
    {
        walAtFirstMeasured = await PostgresActivity.ReadAsync(database);
        measuredFrom = DateTime.UtcNow;
    }
    var pausedBefore = GC.GetTotalPauseDuration();
    int[] collectionsBefore = [GC.CollectionCount(0), GC.CollectionCount(1), GC.CollectionCount(2)];
    await anvil.RpcAsync("evm_mine");
    var mined = DateTime.UtcNow;
    var t0 = await WaitAsync(() => Task.FromResult(heads.TryGetValue(acting, out var at) ? at : (DateTime?)null), TimeSpan.FromSeconds(5)) is { } headAt && headAt < mined ? headAt : mined;
    // The next block comes one block interval after this one, as on a chain mining on a clock, whatever the slot did.
    var opening = Task.Run(async () =>
    {
        var wait = t0 + blockInterval - DateTime.UtcNow;
        if (wait > TimeSpan.Zero)
        {
            await Task.Delay(wait);
        }
        await anvil.RpcAsync("evm_mine");
        return DateTime.UtcNow;
    });
    var view = await WaitAsync(async () => await grain.GetAsync() is { ProposalTransaction: not null } v ? v : null, TimeSpan.FromSeconds(30));
    var hash = view?.ProposalTransaction?.ToString();
    var inPool = hash is null ? (DateTime?)null : await WaitAsync(() => Task.FromResult(pooled.TryGetValue(hash, out var at) ? at : (DateTime?)null), TimeSpan.FromSeconds(5));
    var openingMined = await opening;
    if (view is null || inPool is null)
    {
        notOurs.Add($"slot {slot}: no proposal seen in the pool ({view?.Outcome}, {view?.LastError})");
        continue;
    }
    var openedAt = await WaitAsync(() => Task.FromResult(heads.TryGetValue(start, out var at) ? at : (DateTime?)null), TimeSpan.FromSeconds(5)) ?? openingMined;
    // Which block the proposal landed in: the opening block when it was in the pool before that block was mined.
    var receipt = await WaitAsync(async () => await anvil.RpcAsync("eth_getTransactionReceipt", hash!) is { ValueKind: JsonValueKind.Object } r ? (JsonElement?)r : null, TimeSpan.FromSeconds(5));
    var landedIn = receipt is { } landed ? Convert.ToUInt64(landed.GetProperty("blockNumber").GetString(), 16) : 0;
    // What else the process did meanwhile: garbage collection (pause time and collections per generation since just
    // before the block was mined; read after the proposal was seen, so an upper bound) and periodic work that overlapped.
    var paused = (GC.GetTotalPauseDuration() - pausedBefore).TotalMilliseconds;
    var collections = string.Join("/", Enumerable.Range(0, 3).Select(g => GC.CollectionCount(g) - collectionsBefore[g]));
    if (slot >= first + (ulong)WarmUpSlots)
    {
        samples.Add(Breakdown(slot, acting, t0, inPool.Value) with { GcPause = paused, BeforeOpening = (openedAt - inPool.Value).TotalMilliseconds, InOpeningBlock = landedIn == start });
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"<!-- slot {slot} at {t0:HH:mm:ss.fff}: {samples[^1]}; build {Detail(slot)}; GC paused {paused:F1} ms, collections gen0/1/2 +{collections}; thread-pool wait max {MaxDispatch(t0, inPool.Value):F1} ms; overlapping {Overlapping(t0, inPool.Value)} -->"));
    }
}
stop.Cancel();
await reading.ContinueWith(_ => { }, TaskScheduler.Default);

Console.WriteLine();
Console.WriteLine($"load average at the end: {LoadAverage()}; slots skipped: {notOurs.Count} {string.Join("; ", notOurs)}");
if (walAtFirstMeasured is not null)
{
    // What the measured slots asked of the disk, from PostgreSQL's own counters (the whole server: run nothing else on it).
    var during = (await PostgresActivity.ReadAsync(database)).Since(walAtFirstMeasured);
    Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
        $"while the measured slots ran: {during.WalBytes / Math.Max(1, samples.Count) / 1024.0:F1} KiB of WAL per slot ({during.WalFullPages / (double)Math.Max(1, samples.Count):F0} full-page images), {during.WalSyncs / (double)Math.Max(1, samples.Count):F1} WAL flushes per slot, {during.BuffersWritten / (double)Math.Max(1, samples.Count):F1} data pages written per slot, {during.Checkpoints} checkpoints completed"));
    Console.WriteLine($"grain states written while the measured slots ran (rows, last write each): {await PostgresActivity.GrainWritesSinceAsync(database, measuredFrom)}");
}
Console.WriteLine();
Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
    $"proposal in the block that opens Proposal: {samples.Count(s => s.InOpeningBlock)} of {samples.Count} slots (blocks {blockInterval.TotalMilliseconds:F0} ms apart); in anvil's pool before that block was mined: {samples.Count(s => s.BeforeOpening > 0)}, by {Percentile(samples.Select(s => s.BeforeOpening), 0.5):F1} ms at the median and {samples.Select(s => s.BeforeOpening).DefaultIfEmpty().Min():F1} ms at the least"));
Console.WriteLine();
Console.WriteLine($"| {hostedCount} hosted, {samples.Count} slots | p50 ms | p99 ms | max ms |");
Console.WriteLine("|---|---:|---:|---:|");
Row("**block before Proposal mined → proposal in anvil's pool**", samples.Select(s => s.Total));
Row("follower notices the head (block mined → follower step that reads it starts)", samples.Select(s => s.Notice));
Row("follower reads the block and its logs, delivers, wakes the slot", samples.Select(s => s.Deliver));
Row("ranking (index refresh + rank)", samples.Select(s => s.Rank));
Row("block build (tip, pool reservation, record)", samples.Select(s => s.Build));
Row("gate/sign (signing-safety gate, PostgreSQL commit)", samples.Select(s => s.Sign));
Row("publisher send (record, sign tx, eth_sendRawTransaction)", samples.Select(s => s.Send));
Row("rest (grain hops, state write, pool notification)", samples.Select(s => s.Total - s.Notice - s.Deliver - s.Rank - s.Build - s.Sign - s.Send));
Row("GC pause while the slot ran (upper bound)", samples.Select(s => s.GcPause));

await app.StopAsync();
await app.DisposeAsync();
File.Delete(file);
await DropDatabaseAsync(database);
return 0;

Sample Breakdown(ulong slot, ulong start, DateTime t0, DateTime inPool)
{
    var all = spans.ToArray();
    Activity? Find(string name) => all.FirstOrDefault(a => a.OperationName == name && a.GetTagItem("hosting.slot") is ulong s && s == slot);
    var propose = Find("slot propose");
    var step = all.Where(a => a.OperationName == "l1 step" && a.GetTagItem("hosting.l1.from") is ulong from && from <= start
            && a.GetTagItem("hosting.l1.to") is ulong to && to >= start)
        .OrderBy(a => a.StartTimeUtc).FirstOrDefault();
    double Ms(TimeSpan span) => Math.Max(0, span.TotalMilliseconds);
    var noticed = step?.StartTimeUtc ?? t0;
    return new Sample(
        Ms(inPool - t0),
        Ms(noticed - t0),
        propose is null ? 0 : Ms(propose.StartTimeUtc - noticed),
        Find("slot rank")?.Duration.TotalMilliseconds ?? 0,
        Find("slot build")?.Duration.TotalMilliseconds ?? 0,
        Find("sign Proposal")?.Duration.TotalMilliseconds ?? 0,
        Find("slot send")?.Duration.TotalMilliseconds ?? 0);
}

// The block build's parts for one slot: rollup tip, upgrade signal, pool reservation, the slot's record.
string Detail(ulong slot)
{
    var all = spans.ToArray();
    string Part(string name) => all.FirstOrDefault(a => a.OperationName == $"slot build {name}" && a.GetTagItem("hosting.slot") is ulong s && s == slot)
        is { } part ? part.Duration.TotalMilliseconds.ToString("F1", CultureInfo.InvariantCulture) : "-";
    var reserve = all.FirstOrDefault(a => a.OperationName == "slot build reserve" && a.GetTagItem("hosting.slot") is ulong s && s == slot);
    var pool = all.FirstOrDefault(a => a.OperationName == "pool reserve" && a.GetTagItem("hosting.slot") is ulong s && s == slot);
    var inPool = reserve is null || pool is null ? "" : string.Create(CultureInfo.InvariantCulture,
        $" (the pool's turn began after {(pool.StartTimeUtc - reserve.StartTimeUtc).TotalMilliseconds:F1} ms and took {pool.Duration.TotalMilliseconds:F1} ms"
        + $"; other pool turns meanwhile: {string.Join(", ", all.Where(a => a.OperationName.StartsWith("pool ", StringComparison.Ordinal) && a != pool && a.StartTimeUtc < pool.StartTimeUtc && a.StartTimeUtc + a.Duration > reserve.StartTimeUtc).Select(a => $"{a.OperationName} {a.GetTagItem("hosting.slot")} {a.Duration.TotalMilliseconds:F1} ms"))})");
    return $"tip {Part("tip")}, signal {Part("signal")}, reserve {Part("reserve")}{inPool}, record {Part("record")} ms";
}

double MaxDispatch(DateTime from, DateTime to) =>
    dispatch.ToArray().Where(d => d.At >= from.AddMilliseconds(-5) && d.At <= to).Select(d => d.WaitMs).DefaultIfEmpty(0).Max();

// Periodic work that ran while the slot's duty did: the keys reload, the fleet gauges, a tenant index flush.
string Overlapping(DateTime from, DateTime to)
{
    string[] periodic = ["keys reload", "fleet gauges", "tenant flush"];
    var hits = spans.ToArray()
        .Where(a => periodic.Contains(a.OperationName) && a.StartTimeUtc < to && a.StartTimeUtc + a.Duration > from)
        .Select(a => string.Create(CultureInfo.InvariantCulture, $"{a.OperationName} {a.Duration.TotalMilliseconds:F0} ms"))
        .ToList();
    return hits.Count == 0 ? "nothing" : string.Join(", ", hits);
}

async Task FollowedAsync(TimeSpan timeout)
{
    var follower = grains.GetGrain<IL1FollowerGrain>(IL1FollowerGrain.Key);
    var head = (ulong)await anvil.BlockNumberAsync();
    // While the follower delivers a long step (thousands of registrations) a read may time out: ask again.
    async Task<bool?> Reached()
    {
        try
        {
            return (await follower.GetAsync()).LastBlock >= head ? true : null;
        }
        catch (TimeoutException)
        {
            return null;
        }
    }
    if (await WaitAsync(Reached, timeout) is null)
    {
        throw new TimeoutException($"the follower did not reach block {head} in {timeout}: {await follower.GetAsync()}");
    }
}

async Task<long> ActiveCountAsync()
{
    var call = AbiFunction.Parse("activeCount()", "(uint256)");
    var result = await anvil.RpcAsync("eth_call", new { to = deployment.Registry.ToString(), data = Hex.Encode(call.EncodeCall()) }, "latest");
    return (long)(BigInteger)call.DecodeOutput(Hex.Decode(result.GetString()!))[0]!;
}

static async Task<T?> WaitAsync<T>(Func<Task<T?>> probe, TimeSpan timeout)
{
    var deadline = Stopwatch.StartNew();
    while (deadline.Elapsed < timeout)
    {
        if (await probe() is { } found)
        {
            return found;
        }
        await Task.Delay(10);
    }
    return default;
}

static async Task SendAsync(ClientWebSocket socket, string text) =>
    await socket.SendAsync(Encoding.UTF8.GetBytes(text), WebSocketMessageType.Text, true, CancellationToken.None);

static async Task ReadAsync(ClientWebSocket socket, ConcurrentDictionary<ulong, DateTime> heads, ConcurrentDictionary<string, DateTime> pooled, CancellationToken cancellationToken)
{
    var buffer = new byte[1 << 16];
    var message = new MemoryStream();
    while (!cancellationToken.IsCancellationRequested)
    {
        var received = await socket.ReceiveAsync(buffer, cancellationToken);
        var at = DateTime.UtcNow;
        message.Write(buffer, 0, received.Count);
        if (!received.EndOfMessage)
        {
            continue;
        }
        using var json = JsonDocument.Parse(message.ToArray());
        message.SetLength(0);
        if (!json.RootElement.TryGetProperty("params", out var parameters))
        {
            continue;
        }
        var result = parameters.GetProperty("result");
        if (result.ValueKind == JsonValueKind.String)
        {
            pooled.TryAdd(result.GetString()!, at);
        }
        else if (result.TryGetProperty("number", out var number))
        {
            heads.TryAdd(Convert.ToUInt64(number.GetString(), 16), at);
        }
    }
}

static void Row(string what, IEnumerable<double> values)
{
    var sorted = values.ToArray();
    Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"| {what} | {Percentile(sorted, 0.5):F1} | {Percentile(sorted, 0.99):F1} | {(sorted.Length == 0 ? 0 : sorted.Max()):F1} |"));
}

// The nearest-rank percentile: the smallest value at or below which a fraction p of the values lie.
static double Percentile(IEnumerable<double> values, double p)
{
    var sorted = values.Order().ToArray();
    return sorted.Length == 0 ? 0 : sorted[(int)Math.Min(sorted.Length - 1, Math.Ceiling(p * sorted.Length) - 1)];
}

static string LoadAverage() => File.ReadAllText("/proc/loadavg").Trim();

static byte[] RandomSecret()
{
    var secret = new byte[32];
    do
    {
        System.Security.Cryptography.RandomNumberGenerator.Fill(secret);
    }
    while (!Hosting.L1.Crypto.Secp256k1.IsValidScalar(secret));
    return secret;
}

static async Task DropDatabaseAsync(string connectionString)
{
    var name = new Npgsql.NpgsqlConnectionStringBuilder(connectionString).Database;
    await using var admin = new Npgsql.NpgsqlConnection(PostgresServer.AdminConnectionString);
    await admin.OpenAsync();
    await new Npgsql.NpgsqlCommand($"DROP DATABASE IF EXISTS \"{name}\" WITH (FORCE)", admin).ExecuteNonQueryAsync();
}

/// <summary>One slot's timings in milliseconds: the total and where it went.</summary>
internal sealed record Sample(double Total, double Notice, double Deliver, double Rank, double Build, double Sign, double Send, double GcPause = 0,
    double BeforeOpening = 0, bool InOpeningBlock = false);

/// <summary>PostgreSQL's server-wide write counters: WAL volume and flushes, data pages written back, checkpoints.</summary>
internal sealed record PostgresActivity(long WalBytes, long WalFullPages, long WalSyncs, long BuffersWritten, long Checkpoints)
{
    public PostgresActivity Since(PostgresActivity before) =>
        new(WalBytes - before.WalBytes, WalFullPages - before.WalFullPages, WalSyncs - before.WalSyncs,
            BuffersWritten - before.BuffersWritten, Checkpoints - before.Checkpoints);

    public static async Task<PostgresActivity> ReadAsync(string connectionString)
    {
        await using var connection = new Npgsql.NpgsqlConnection(connectionString);
        await connection.OpenAsync();
        await using var command = new Npgsql.NpgsqlCommand(
            "select w.wal_bytes::bigint, w.wal_fpi, w.wal_sync, b.buffers_checkpoint + b.buffers_clean + b.buffers_backend, "
            + "b.checkpoints_timed + b.checkpoints_req from pg_stat_wal w, pg_stat_bgwriter b", connection);
        await using var reader = await command.ExecuteReaderAsync();
        await reader.ReadAsync();
        return new PostgresActivity(reader.GetInt64(0), reader.GetInt64(1), reader.GetInt64(2), reader.GetInt64(3), reader.GetInt64(4));
    }

    /// <summary>Which grain types' stored states were written since a time: the rows and their payload sizes.</summary>
    public static async Task<string> GrainWritesSinceAsync(string connectionString, DateTime since)
    {
        await using var connection = new Npgsql.NpgsqlConnection(connectionString);
        await connection.OpenAsync();
        await using var command = new Npgsql.NpgsqlCommand(
            "select grain_type, count(*), coalesce(sum(length(payload)), 0) from orleans_storage where modified_at >= @since "
            + "group by grain_type order by 2 desc limit 12", connection);
        command.Parameters.AddWithValue("since", since);
        var rows = new List<string>();
        await using var reader = await command.ExecuteReaderAsync();
        while (await reader.ReadAsync())
        {
            rows.Add(string.Create(CultureInfo.InvariantCulture, $"{reader.GetString(0)} {reader.GetInt64(1)} ({reader.GetInt64(2) / 1024.0:F0} KiB)"));
        }
        return rows.Count == 0 ? "none" : string.Join("; ", rows);
    }

    public static async Task CheckpointAsync(string connectionString)
    {
        await using var connection = new Npgsql.NpgsqlConnection(connectionString);
        await connection.OpenAsync();
        await using var command = new Npgsql.NpgsqlCommand("checkpoint", connection) { CommandTimeout = 600 };
        await command.ExecuteNonQueryAsync();
    }
}
