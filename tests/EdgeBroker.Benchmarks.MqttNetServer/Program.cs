using System.Net;
using MQTTnet.Server;

// A plain MQTTnet 5.2 server as its documentation starts one: the default endpoint on 127.0.0.1:PORT, anonymous
// clients, no interceptors, no logger. The benchmark compares EdgeBroker's host with it to tell what MQTTnet costs by
// itself from what EdgeBroker adds on top.
if (args.Length != 2 || args[0] != "--port" || !int.TryParse(args[1], out var port))
{
    Console.Error.WriteLine("usage: EdgeBroker.Benchmarks.MqttNetServer --port PORT");
    return 2;
}

var options = new MqttServerOptionsBuilder()
    .WithDefaultEndpoint()
    .WithDefaultEndpointBoundIPAddress(IPAddress.Loopback)
    .WithDefaultEndpointPort(port)
    .Build();
using var server = new MqttServerFactory().CreateMqttServer(options);
await server.StartAsync();
Console.WriteLine($"MQTTnet server listening on 127.0.0.1:{port}");

// The harness stops it with SIGKILL; SIGTERM (Ctrl+C by hand) ends it cleanly.
using var stopped = new SemaphoreSlim(0);
using var onTerm = System.Runtime.InteropServices.PosixSignalRegistration.Create(System.Runtime.InteropServices.PosixSignal.SIGTERM, context =>
{
    context.Cancel = true;
    stopped.Release();
});
Console.CancelKeyPress += (_, e) =>
{
    e.Cancel = true;
    stopped.Release();
};
await stopped.WaitAsync();
await server.StopAsync();
return 0;
