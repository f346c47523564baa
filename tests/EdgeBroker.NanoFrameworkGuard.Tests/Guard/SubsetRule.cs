namespace EdgeBroker.NanoFrameworkGuard.Tests.Guard;

/// <summary>Why a line of firmware falls outside the nanoFramework 1.x subset. One value per kind of fix, so a
/// report groups naturally and the self-test can ask for each kind.</summary>
public enum SubsetRule
{
    /// <summary>Generic type or method, declared or used (List&lt;T&gt;, Func&lt;&gt;, inferred type arguments,
    /// anonymous types): nanoFramework 1.x has no generics.</summary>
    Generics,

    /// <summary>async/await: no state-machine or task support on the device.</summary>
    AsyncAwait,

    /// <summary>System.Threading.Tasks (Task, ValueTask): not in nanoFramework 1.x; use System.Threading.Thread.</summary>
    Tasks,

    /// <summary>System.Linq: using directive, query syntax or LINQ method.</summary>
    Linq,

    /// <summary>record class / record struct: need compiler-generated generic equality members.</summary>
    Records,

    /// <summary>Span&lt;T&gt;, ReadOnlySpan&lt;T&gt;, Memory&lt;T&gt;, ReadOnlyMemory&lt;T&gt; (nanoFramework 1.x has
    /// only the non-generic SpanByte).</summary>
    Span,

    /// <summary>stackalloc.</summary>
    Stackalloc,

    /// <summary>dynamic: needs the DLR runtime binder.</summary>
    Dynamic,

    /// <summary>Tuple types and literals (System.ValueTuple, generic).</summary>
    Tuples,

    /// <summary>unsafe code: unsafe contexts, pointers, fixed, address-of.</summary>
    Unsafe,

    /// <summary>Iterators (yield): the compiler-generated enumerator implements IEnumerator&lt;object&gt;,
    /// a generic interface.</summary>
    Iterators,

    /// <summary>A framework type or member that is not on the nanoFramework allow-list.</summary>
    ApiNotAllowed,

    /// <summary>A name that does not resolve against .NET (device-only code) and is not on the allow-list either.</summary>
    UnresolvedApiNotAllowed,
}
