namespace EdgeBroker.Benchmarks.Stores;

/// <summary>One store measured in-process, no broker: a row of the report's store table.</summary>
/// <param name="Id">Stable identifier used by --cases.</param>
/// <param name="Title">Human-readable name for the report.</param>
/// <param name="Benchmarks">The <see cref="StoreBenchmarks"/> subclass BenchmarkDotNet runs.</param>
public sealed record StoreCase(string Id, string Title, Type Benchmarks);

/// <summary>Every store case, in run order (after the broker cases).</summary>
public static class StoreCaseCatalog
{
    public static readonly StoreCase Sqlite = new("store-sqlite", "SQLite offline store (host)", typeof(SqliteStoreBenchmarks));
    public static readonly StoreCase Flash = new("store-flash", "Flash log store (firmware, 64 KB log, on the PC's disk)", typeof(FlashStoreBenchmarks));

    public static IReadOnlyList<StoreCase> All { get; } = [Sqlite, Flash];

    public static StoreCase? Find(string id) => All.FirstOrDefault(c => string.Equals(c.Id, id, StringComparison.OrdinalIgnoreCase));

    /// <summary>The cases named by --cases, or all of them when it names none.</summary>
    public static IReadOnlyList<StoreCase> Select(IReadOnlyList<string> ids) =>
        ids.Count == 0 ? All : All.Where(c => ids.Any(id => string.Equals(id, c.Id, StringComparison.OrdinalIgnoreCase))).ToList();
}
