using System.CommandLine;
using System.Globalization;
using System.Text.Encodings.Web;
using System.Text.Json;
using EdgeBroker.Host.Configuration;
using EdgeBroker.Host.Http;

namespace EdgeBroker.Host.Admin;

/// <summary>
/// Subcommands that administer a running broker through its signed HTTP API — <c>pairing open|close|list</c>,
/// <c>devices list|rename|revoke</c>, <c>token apply|revoke</c>, <c>uplink status</c> — each printing the API's JSON answer. Exit code 0 when
/// the broker did it, <see cref="ExitCodes.RequestRefused"/> when it refused (the answer says why),
/// <see cref="ExitCodes.BrokerUnreachable"/> when it could not be asked.
/// </summary>
sealed class AdminCommands
{
    public const string DefaultUrl = "http://127.0.0.1:8080";

    /// <summary>How long a token from <c>token apply</c> is valid unless --seconds says otherwise.</summary>
    const int DefaultTokenSeconds = 3600;

    // Printed for people: indented, and '<', '+' and quotes as themselves rather than \u escapes.
    static readonly JsonSerializerOptions Indented = new() { WriteIndented = true, Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    // Where and as whom to call: given after any of the subcommands (recursive options of each command group).
    readonly Option<string> _url = new("--url")
    {
        Description = "The broker's HTTP API.",
        DefaultValueFactory = _ => DefaultUrl,
        Recursive = true,
    };

    readonly Option<string?> _accessKey = new("--access-key")
    {
        Description = $"The access key that signs the request, as ID:SECRET: visible to every user of the machine, so for tests; " +
            $"otherwise set {AccessKeySource.Variable}=ID:SECRET or use --access-key-file.",
        HelpName = "ID:SECRET",
        Recursive = true,
    };

    readonly Option<FileInfo?> _accessKeyFile = new("--access-key-file")
    {
        Description = "A file (readable by you only) whose first line is the access key that signs the request, as ID:SECRET.",
        HelpName = "FILE",
        Recursive = true,
    };

    readonly Option<string> _instanceId = new("--instance-id")
    {
        Description = "The broker's instance ID.",
        DefaultValueFactory = _ => "edgebroker",
        Recursive = true,
    };

    public AdminCommands()
    {
        _accessKey.Validators.Add(AccessKeyFlag.Validate);
        _url.Validators.Add(result =>
        {
            if (result.Tokens.Count > 0 && !IsHttpUrl(result.Tokens[0].Value))
            {
                result.AddError($"--url expects the HTTP API's address, e.g. {DefaultUrl}, not '{result.Tokens[0].Value}'.");
            }
        });
    }

    /// <summary>The command groups, to add to the root command.</summary>
    public IEnumerable<Command> Create() => [Pairing(), Devices(), Token(), Uplink()];

    Command Pairing()
    {
        var group = RequiredOption("--group", "The group whose new devices may pair, e.g. GID_sensors.");
        var seconds = new Option<int?>("--seconds")
        {
            Description = "How long the window stays open (default 120; at most 3600).",
            CustomParser = FlagValue.Parse<int?>,
        };
        var devices = new Option<int?>("--devices")
        {
            Description = "How many devices the window pairs (default 1, Security:PairingDevicesPerWindow).",
            CustomParser = FlagValue.Parse<int?>,
        };
        var listedGroup = new Option<string?>("--group") { Description = "Only this group's window (required for keys limited to some groups)." };

        var open = Leaf("open", "Opens a group's pairing window (restarts it when open).", HttpMethod.Post, "/pairing/open", result =>
            WithOptional(WithOptional(new() { [GroupScope.Parameter] = result.GetValue(group)! }, PairingApi.SecondsParameter, result.GetValue(seconds)),
                PairingApi.DevicesParameter, result.GetValue(devices)),
            group, seconds, devices);
        var close = Leaf("close", "Closes a group's pairing window.", HttpMethod.Post, "/pairing/close", result =>
            new() { [GroupScope.Parameter] = result.GetValue(group)! }, group);
        var list = Leaf("list", "Lists the open pairing windows.", HttpMethod.Get, "/pairing", result =>
            WithOptional([], GroupScope.Parameter, result.GetValue(listedGroup)), listedGroup);
        return Group("pairing", "Pairing windows of the running broker.", open, close, list);
    }

    Command Devices()
    {
        var clientId = RequiredOption("--client-id", "The paired device's client ID, e.g. GID_sensors@@@DEVICE_001.");
        var name = RequiredOption("--name", "The new display name.");
        var listedGroup = new Option<string?>("--group") { Description = "Only this group's devices (required for keys limited to some groups)." };

        var list = Leaf("list", "Lists paired devices (never their secrets).", HttpMethod.Get, "/devices", result =>
            WithOptional([], GroupScope.Parameter, result.GetValue(listedGroup)), listedGroup);
        var rename = Leaf("rename", "Renames a paired device.", HttpMethod.Post, "/devices/rename", result => new()
        {
            [DeviceApi.ClientIdParameter] = result.GetValue(clientId)!,
            [DeviceApi.NameParameter] = result.GetValue(name)!,
        }, clientId, name);
        var revoke = Leaf("revoke", "Revokes a paired device: disconnected now, refused from now on.", HttpMethod.Post, "/devices/revoke",
            result => new() { [DeviceApi.ClientIdParameter] = result.GetValue(clientId)! }, clientId);
        return Group("devices", "Paired devices of the running broker.", list, rename, revoke);
    }

    Command Token()
    {
        var resources = RequiredOption("--resources", "Parent topics the token covers, comma-separated, e.g. GID_sensors,app.");
        var actions = RequiredOption("--actions", "R (subscribe), W (publish) or R,W.");
        var seconds = new Option<int>("--seconds")
        {
            Description = "How long the token is valid, in seconds.",
            DefaultValueFactory = _ => DefaultTokenSeconds,
            CustomParser = FlagValue.Parse<int>,
        };
        var token = RequiredOption("--token", "The token to revoke.");

        var apply = Leaf("apply", "Issues a token for Token-mode MQTT clients to the signing access key; prints it once.",
            HttpMethod.Post, "/token/apply", result => new()
            {
                [TokenApi.ResourcesParameter] = result.GetValue(resources)!,
                [TokenApi.ActionsParameter] = result.GetValue(actions)!,
                [TokenApi.ExpireTimeParameter] = DateTimeOffset.UtcNow.AddSeconds(result.GetValue(seconds))
                    .ToUnixTimeMilliseconds().ToString(CultureInfo.InvariantCulture),
            }, resources, actions, seconds);
        var revoke = Leaf("revoke", "Revokes a token; clients using it are disconnected.", HttpMethod.Post, "/token/revoke",
            result => new() { [TokenApi.TokenParameter] = result.GetValue(token)! }, token);
        return Group("token", "Tokens for Token-mode MQTT clients of the running broker.", apply, revoke);
    }

    Command Uplink()
    {
        var status = Leaf("status", "Shows every uplink: state, upstream address, queue, sent/acknowledged/dropped, last error.",
            HttpMethod.Get, "/uplinks", _ => []);
        return Group("uplink", "Uplinks of the running broker to upstream brokers.", status);
    }

    Command Group(string name, string description, params Command[] subcommands)
    {
        var command = new Command(name, description) { _url, _accessKey, _accessKeyFile, _instanceId };
        foreach (var subcommand in subcommands)
        {
            command.Add(subcommand);
        }

        return command;
    }

    /// <summary>A subcommand that sends one signed request with the parameters <paramref name="parameters"/> reads from
    /// its options, and prints the answer.</summary>
    Command Leaf(string name, string description, HttpMethod method, string path,
        Func<ParseResult, Dictionary<string, string>> parameters, params Option[] options)
    {
        var command = new Command(name, description);
        foreach (var option in options)
        {
            command.Add(option);
        }

        command.SetAction((result, cancellationToken) => CallAsync(result, method, path, parameters(result), cancellationToken));
        return command;
    }

    async Task<int> CallAsync(ParseResult result, HttpMethod method, string path, Dictionary<string, string> parameters,
        CancellationToken cancellationToken)
    {
        var url = new Uri(result.GetValue(_url)!);
        var (key, origin, problem) = AccessKeySource.Read(result.GetValue(_accessKey), result.GetValue(_accessKeyFile));
        if (key is not { } accessKey)
        {
            // A malformed --access-key is a parse error and never gets here.
            Console.Error.WriteLine($"edgebroker: {problem}");
            return ExitCodes.InvalidSettings;
        }

        var (id, secret) = accessKey;
        using var client = new AdminClient(url, id, secret, result.GetValue(_instanceId)!);
        JsonElement answer;
        try
        {
            answer = await client.SendAsync(method, path, parameters, cancellationToken);
        }
        catch (Exception e) when (e is HttpRequestException or TaskCanceledException or JsonException)
        {
            Console.Error.WriteLine($"edgebroker: cannot ask the broker's HTTP API at {url}: {e.Message} " +
                "(is the broker running, and is --url its HTTP API?)");
            return ExitCodes.BrokerUnreachable;
        }

        Console.WriteLine(JsonSerializer.Serialize(answer, Indented));
        // Listings of the broker's own parts (GET /uplinks) answer with a bare array; everything else with a code.
        var answered = answer.ValueKind == JsonValueKind.Array ? ApiCodes.Ok
            : answer.TryGetProperty("code", out var code) && code.ValueKind == JsonValueKind.Number ? code.GetInt32() : -1;
        if (answered == ApiCodes.SignatureMismatch)
        {
            // The answer's advice is for those who sign requests themselves; this command signs them right, so what
            // differs is what it was given.
            Console.Error.WriteLine($"edgebroker: the broker at {url} does not take access key '{id}' with this secret for instance " +
                $"'{result.GetValue(_instanceId)}': check {origin}, which must be a key the broker was started with, and --instance-id.");
        }

        return answered == ApiCodes.Ok ? ExitCodes.Success : ExitCodes.RequestRefused;
    }

    static bool IsHttpUrl(string text) =>
        Uri.TryCreate(text, UriKind.Absolute, out var url) && (url.Scheme == Uri.UriSchemeHttp || url.Scheme == Uri.UriSchemeHttps);

    static Option<string> RequiredOption(string name, string description) => new(name) { Description = description, Required = true };

    static Dictionary<string, string> WithOptional<T>(Dictionary<string, string> parameters, string name, T? value)
    {
        if (value is not null)
        {
            parameters[name] = Convert.ToString(value, CultureInfo.InvariantCulture)!;
        }

        return parameters;
    }
}
