using System.Net;
using EdgeBroker.EndToEnd.Tests.Infrastructure;

namespace EdgeBroker.Dashboard.Tests.WebApp;

/// <summary>
/// The web app's site: a static file server on loopback (<see cref="HttpListener"/>) serving the page and MQTT.js's
/// browser bundle, and 404 for anything else. A real server, not Playwright's routing: chromium (156) lets a page
/// open a WebSocket to a loopback or LAN address only when the page itself came from one (Local Network Access) — a
/// page answered by the test's routing counts as a public site and its connection is refused with
/// net::ERR_BLOCKED_BY_LOCAL_NETWORK_ACCESS_CHECKS. One for the test run, ended with it.
/// </summary>
sealed class WebAppServer
{
    readonly HttpListener _listener = new();
    readonly IReadOnlyDictionary<string, (string File, string ContentType)> _files;

    public WebAppServer(IReadOnlyDictionary<string, (string File, string ContentType)> files)
    {
        _files = files;
        var port = FreePorts.Next();
        Origin = $"http://127.0.0.1:{port}";
        _listener.Prefixes.Add(Origin + "/");
        _listener.Start();
        _ = ServeAsync();
    }

    /// <summary>The site, as a browser names it in Origin.</summary>
    public string Origin { get; }

    async Task ServeAsync()
    {
        while (_listener.IsListening)
        {
            HttpListenerContext context;
            try
            {
                context = await _listener.GetContextAsync();
            }
            catch (Exception e) when (e is HttpListenerException or ObjectDisposedException or InvalidOperationException)
            {
                return;
            }

            using var response = context.Response;
            if (_files.TryGetValue(context.Request.Url!.AbsolutePath, out var file))
            {
                var body = await File.ReadAllBytesAsync(file.File);
                response.ContentType = file.ContentType;
                response.ContentLength64 = body.Length;
                await response.OutputStream.WriteAsync(body);
            }
            else
            {
                response.StatusCode = 404;
            }
        }
    }
}
