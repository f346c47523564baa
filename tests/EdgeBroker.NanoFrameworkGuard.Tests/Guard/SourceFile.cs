namespace EdgeBroker.NanoFrameworkGuard.Tests.Guard;

/// <summary>One C# file handed to the guard. <see cref="DisplayPath"/> is what violations name (a path relative
/// to the repository root for real firmware files, any label for in-memory snippets).</summary>
public sealed record SourceFile(string DisplayPath, string Text);
