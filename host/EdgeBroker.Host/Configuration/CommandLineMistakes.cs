using System.Collections;
using System.CommandLine;
using System.CommandLine.Invocation;
using System.CommandLine.Parsing;
using EdgeBroker.Core.Text;

namespace EdgeBroker.Host.Configuration;

/// <summary>
/// Mistakes on the command line, refused like mistakes in a settings file: named in one line each, with the nearest
/// known flag or command for an unknown one (the settings checks' <see cref="NearestName"/>), and exit code
/// <see cref="ExitCodes.InvalidSettings"/>, whether the mistake is an unknown flag or word, a value a flag cannot take
/// (<see cref="FlagValue"/>), a missing value or subcommand, or a broker flag given before a subcommand that does not
/// take it (which the parser would accept and drop). Linked into the emulator, so both programs say a mistake in the
/// same words.
/// </summary>
static class CommandLineMistakes
{
    /// <summary>Prints every mistake in <paramref name="result"/> (of parsing the command line with
    /// <paramref name="brokerFlags"/> on the root command) on standard error, each line after the
    /// <paramref name="program"/>'s name as its other errors are; false when there are none.</summary>
    public static bool Reported(ParseResult result, IReadOnlyCollection<Option> brokerFlags, string program)
    {
        // Help, --version and completions answer whatever else was typed; only a command about to run is checked.
        if (result.Action is not ParseErrorAction && result.Action != result.CommandResult.Command.Action)
        {
            return false;
        }

        var command = result.CommandResult;
        var taken = OptionsOf(command).ToList();
        List<string> mistakes =
        [
            .. UnknownWords(result.UnmatchedTokens, taken, command.Command.Subcommands),
            .. MissingSubcommand(command),
            // The errors of an option or its value (FlagValue's among them). System.CommandLine puts on a command's
            // result only the words it did not know and a missing subcommand, which the lines above say with the
            // nearest or the possible names.
            .. result.Errors.Where(error => error.SymbolResult is not CommandResult).Select(error => error.Message),
            .. MisplacedBrokerFlags(result.RootCommandResult, command, brokerFlags, taken),
        ];
        foreach (var mistake in mistakes)
        {
            Console.Error.WriteLine($"{program}: {mistake}");
        }

        if (mistakes.Count > 0)
        {
            Console.Error.WriteLine($"{program}: '{PathOf(command)} --help' lists what it takes.");
        }

        return mistakes.Count > 0;
    }

    static IEnumerable<string> MissingSubcommand(CommandResult command)
    {
        if (command.Command.Action is null && command.Command.Subcommands.Count > 0)
        {
            var subcommands = string.Join(", ", command.Command.Subcommands.Select(subcommand => subcommand.Name));
            yield return $"'{PathOf(command, withRoot: false)}' needs a subcommand: {subcommands}";
        }
    }

    /// <summary>The options <paramref name="command"/> takes: its own and the recursive ones of the commands above it.</summary>
    static IEnumerable<Option> OptionsOf(CommandResult command)
    {
        var options = command.Command.Options.AsEnumerable();
        for (var above = command.Parent as CommandResult; above is not null; above = above.Parent as CommandResult)
        {
            options = options.Concat(above.Command.Options.Where(option => option.Recursive));
        }

        return options;
    }

    static IEnumerable<string> UnknownWords(IReadOnlyList<string> words, IEnumerable<Option> options, IEnumerable<Command> subcommands)
    {
        var flags = options.SelectMany(option => option.Aliases.Prepend(option.Name)).ToArray();
        var commands = subcommands.Select(subcommand => subcommand.Name).ToArray();
        for (var i = 0; i < words.Count; i++)
        {
            if (words[i].StartsWith('-'))
            {
                yield return Unknown("flag", words[i], flags);
            }
            else if (i == 0 || !words[i - 1].StartsWith('-'))
            {
                // A word right after an unknown flag is taken as its value, not as a mistake of its own.
                yield return Unknown("command or argument", words[i], commands);
            }
        }
    }

    static string Unknown(string kind, string word, string[] known) =>
        $"unknown {kind} '{word}'" + (NearestName.Find(word, new ArrayList(known)) is { } nearest ? $" (did you mean {nearest}?)" : string.Empty);

    /// <summary>Broker flags before a subcommand that does not take them (<c>--port 1999 pairing list</c>): the parser
    /// accepts a command's options anywhere after it, so these would be dropped without a word.</summary>
    static IEnumerable<string> MisplacedBrokerFlags(CommandResult root, CommandResult command, IReadOnlyCollection<Option> brokerFlags,
        List<Option> taken)
    {
        foreach (var given in root.Children.OfType<OptionResult>().Where(given => !given.Implicit && brokerFlags.Contains(given.Option)))
        {
            if (taken.Contains(given.Option))
            {
                continue;
            }

            var flag = given.IdentifierToken?.Value ?? given.Option.Name;
            var path = PathOf(command, withRoot: false);
            yield return taken.Any(option => option.Name == given.Option.Name)
                ? $"{flag} before '{path}' is the broker's flag; give '{path}' its own {flag} after it"
                : $"{flag} sets the broker's settings, which '{path}' does not use";
        }
    }

    static string PathOf(CommandResult command, bool withRoot = true)
    {
        var names = new List<string>();
        for (var level = command; level is not null; level = level.Parent as CommandResult)
        {
            if (withRoot || level.Parent is not null)
            {
                names.Insert(0, level.Command.Name);
            }
        }

        return string.Join(' ', names);
    }
}
