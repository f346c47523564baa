using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Primitives;

namespace EdgeBroker.Host.Http.Signing;

/// <summary>
/// Where a signed request's parameters are: a GET's in its query string; a POST's in its query string, an
/// <c>application/x-www-form-urlencoded</c> (or multipart) form body, or both — the way ApsaraMQ's token server takes
/// them. The signature covers the parameters wherever they came from, and a name given in both places counts as given
/// twice.
/// </summary>
static class RequestParameters
{
    public static async Task<(IQueryCollection? Parameters, ApiError? Error)> ReadAsync(HttpRequest http)
    {
        if (!HttpMethods.IsPost(http.Method))
        {
            return (http.Query, null);
        }

        if (!http.HasFormContentType)
        {
            return http.ContentLength is null or 0
                ? (http.Query, null)
                : (null, ApiError.BadRequest("Send the parameters in the query string or as a form " +
                    "(Content-Type: application/x-www-form-urlencoded), not as " + (http.ContentType ?? "an untyped body") + "."));
        }

        IFormCollection form;
        try
        {
            form = await http.ReadFormAsync();
        }
        catch (InvalidDataException)
        {
            return (null, ApiError.BadRequest("The form body could not be read."));
        }

        // Ignoring case like ASP.NET Core's own query collection, so 'Token' in the query and 'token' in the form are
        // one parameter given twice rather than two that slip past the check.
        var merged = new Dictionary<string, StringValues>(StringComparer.OrdinalIgnoreCase);
        foreach (var (name, values) in http.Query.Concat(form))
        {
            merged[name] = merged.TryGetValue(name, out var earlier) ? StringValues.Concat(earlier, values) : values;
        }

        return (new QueryCollection(merged), null);
    }
}
