using BenchmarkDotNet.Attributes;
using ControlApi.Audit;
using ControlApi.Data;
using Microsoft.EntityFrameworkCore;

namespace ControlApi.Bench;

/// <summary>
/// The same comparison under BenchmarkDotNet (mean, median, P95 with its statistics), in process:
/// <c>dotnet run -c Release --project bench/ControlApi.Bench -- audit-bdn</c>. Fewer events so its
/// many iterations finish; the console mode (<c>audit</c>) prints p50/p99 at a million.
/// </summary>
[InProcess]
[MemoryDiagnoser]
public class AuditPagingBenchmarks
{
    public static Task RunAsync(string[] args)
    {
        BenchmarkDotNet.Running.BenchmarkRunner.Run<AuditPagingBenchmarks>(args: args);
        return Task.CompletedTask;
    }

    private AuditFill _fill = null!;
    private ControlApiDbContext _db = null!;
    private AuditReader _reader = null!;
    private AuditFilter _filter = null!;
    private long _cursor;
    private int _offset;

    [Params(200_000)]
    public int Events { get; set; }

    [GlobalSetup]
    public async Task SetupAsync()
    {
        _fill = await AuditFill.CreateAsync(Events, TextWriter.Null);
        _db = _fill.NewContext();
        _reader = new AuditReader(_db);
        _filter = new AuditFilter(Cluster: "cluster-07", Kind: "git.committed");
        var matches = await AuditPagingBench.Baseline(_db, _filter).CountAsync();
        _offset = matches - AuditPagingBench.PageSize;
        _cursor = await AuditPagingBench.Baseline(_db, _filter).OrderByDescending(e => e.Id).Skip(_offset - 1).Select(e => e.Id).FirstAsync();
    }

    [GlobalCleanup]
    public async Task CleanupAsync()
    {
        await _db.DisposeAsync();
        _fill.Dispose();
    }

    [Benchmark(Baseline = true)]
    public async Task<int> Offset() =>
        (await AuditPagingBench.Baseline(_db, _filter).OrderByDescending(e => e.Id).Skip(_offset).Take(AuditPagingBench.PageSize).ToListAsync()).Count;

    [Benchmark]
    public async Task<int> Keyset() => (await _reader.ReadAsync(_filter, AuditPagingBench.PageSize, _cursor, CancellationToken.None)).Count;
}
