namespace EdgeBroker.Dashboard;

/// <summary>
/// The dashboard's static files (plain HTML, CSS and JavaScript from <c>Dashboard/wwwroot</c>, nothing to build),
/// embedded in the program that serves them — the host and the emulator both embed the same files — so the page is
/// there however the program is started or published. The page itself holds no data: what it shows comes from the
/// signed API and the live feed.
/// </summary>
static class DashboardAssets
{
    /// <summary>Where the page's scripts and styles are served (<c>/assets/dashboard.js</c>); the page is served at <c>/</c>.</summary>
    public const string AssetPrefix = "/assets/";

    /// <summary>The embedded resources' names: this prefix and the file name (set in the projects that embed them).</summary>
    const string ResourcePrefix = "dashboard/";

    const string PageFile = "index.html";

    static readonly Dictionary<string, string> ContentTypes = new(StringComparer.Ordinal)
    {
        [".html"] = "text/html; charset=utf-8",
        [".css"] = "text/css; charset=utf-8",
        [".js"] = "text/javascript; charset=utf-8",
        [".svg"] = "image/svg+xml",
    };

    static readonly Lazy<Dictionary<string, DashboardAsset>> Files = new(Load);

    /// <summary>The headers every answer of the page carries: scripts and styles only from the broker itself, never
    /// framed, never sniffed as another type, always revalidated (an upgrade shows the new page).</summary>
    public static readonly IReadOnlyList<KeyValuePair<string, string>> Headers =
    [
        new("Content-Security-Policy", "default-src 'self'; frame-ancestors 'none'"),
        new("X-Content-Type-Options", "nosniff"),
        new("Cache-Control", "no-cache"),
    ];

    /// <summary>The file answering a GET of <paramref name="path"/> (<c>/</c> or <c>/assets/{file}</c>), or null.</summary>
    public static DashboardAsset? Find(string path)
    {
        var name = path == "/" ? PageFile
            : path.StartsWith(AssetPrefix, StringComparison.Ordinal) ? path[AssetPrefix.Length..]
            : null;
        return name is not null && Files.Value.TryGetValue(name, out var asset) ? asset : null;
    }

    static Dictionary<string, DashboardAsset> Load()
    {
        var assembly = typeof(DashboardAssets).Assembly;
        var files = new Dictionary<string, DashboardAsset>(StringComparer.Ordinal);
        foreach (var resource in assembly.GetManifestResourceNames().Where(name => name.StartsWith(ResourcePrefix, StringComparison.Ordinal)))
        {
            var name = resource[ResourcePrefix.Length..];
            using var stream = assembly.GetManifestResourceStream(resource)!;
            using var content = new MemoryStream();
            stream.CopyTo(content);
            files[name] = new DashboardAsset(content.ToArray(), ContentTypes.GetValueOrDefault(Path.GetExtension(name), "application/octet-stream"));
        }

        return files;
    }
}

/// <summary>One static file of the dashboard and the type it is served as.</summary>
sealed record DashboardAsset(byte[] Content, string ContentType);
