using System.Collections;
using System.Text.Json;
using EdgeBroker.Core.Security;

namespace EdgeBroker.Host.Storage;

/// <summary>Issued tokens in SQLite, so they survive a restart. Keyed by the hash the core computes; the token itself
/// is never handed to the store, so the file cannot be used to connect.</summary>
public sealed class SqliteTokenStore(SqliteDatabase database) : ITokenStore
{
    public ArrayList LoadTokens()
    {
        var tokens = new ArrayList();
        lock (database.Sync)
        {
            using var command = database.Command("SELECT hash, access_key_id, parent_topics, can_read, can_write, expires_at_ms FROM tokens");
            using var reader = command.ExecuteReader();
            while (reader.Read())
            {
                var parentTopics = JsonSerializer.Deserialize<string[]>(reader.GetString(2)) ?? [];
                tokens.Add(new TokenRecord(reader.GetString(0), reader.GetString(1), parentTopics, reader.GetBoolean(3), reader.GetBoolean(4), reader.GetInt64(5)));
            }
        }

        return tokens;
    }

    public void SaveToken(TokenRecord token) =>
        database.Execute(
            """
            INSERT INTO tokens (hash, access_key_id, parent_topics, can_read, can_write, expires_at_ms)
            VALUES ($hash, $key, $topics, $read, $write, $expires)
            ON CONFLICT (hash) DO UPDATE SET access_key_id = excluded.access_key_id, parent_topics = excluded.parent_topics,
                can_read = excluded.can_read, can_write = excluded.can_write, expires_at_ms = excluded.expires_at_ms
            """,
            ("$hash", token.Hash), ("$key", token.AccessKeyId), ("$topics", JsonSerializer.Serialize(token.ParentTopics)),
            ("$read", token.CanRead), ("$write", token.CanWrite), ("$expires", token.ExpiresAtMs));

    public void DeleteToken(string hash) => database.Execute("DELETE FROM tokens WHERE hash = $hash", ("$hash", hash));
}
