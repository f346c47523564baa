using System.Collections;
using EdgeBroker.Core.Sessions;

namespace EdgeBroker.Host.Storage;

/// <summary>Persistent sessions and their subscriptions in SQLite; each call is one committed statement.</summary>
public sealed class SqliteSessionStore(SqliteDatabase database) : ISessionStore
{
    public void SaveSession(string clientId, uint expiryIntervalSeconds, long disconnectedAtMs) =>
        database.Execute(
            """
            INSERT INTO sessions (client_id, expiry_seconds, disconnected_at_ms) VALUES ($client, $expiry, $disconnected)
            ON CONFLICT (client_id) DO UPDATE SET expiry_seconds = excluded.expiry_seconds, disconnected_at_ms = excluded.disconnected_at_ms
            """,
            ("$client", clientId), ("$expiry", (long)expiryIntervalSeconds), ("$disconnected", disconnectedAtMs));

    /// <summary>The database sets no budget for sessions (the broker's own limits bound them).</summary>
    public bool ReserveSessionRoom(string clientId) => true;

    /// <summary>Nothing is held (<see cref="ReserveSessionRoom"/>).</summary>
    public void ReleaseSessionRoom(string clientId)
    {
    }

    public void DeleteSession(string clientId)
    {
        lock (database.Sync)
        {
            using var transaction = database.BeginTransaction();
            foreach (var table in new[] { "subscriptions", "sessions" })
            {
                using var command = database.Command($"DELETE FROM {table} WHERE client_id = $client");
                command.Transaction = transaction;
                command.Parameters.AddWithValue("$client", clientId);
                command.ExecuteNonQuery();
            }

            transaction.Commit();
        }
    }

    public void SaveSubscription(string clientId, SubscriptionRecord subscription) =>
        database.Execute(
            """
            INSERT INTO subscriptions (client_id, filter, qos, no_local, retain_as_published, identifier)
            VALUES ($client, $filter, $qos, $noLocal, $rap, $identifier)
            ON CONFLICT (client_id, filter) DO UPDATE SET qos = excluded.qos, no_local = excluded.no_local,
                retain_as_published = excluded.retain_as_published, identifier = excluded.identifier
            """,
            ("$client", clientId), ("$filter", subscription.Filter), ("$qos", subscription.GrantedQos),
            ("$noLocal", subscription.NoLocal), ("$rap", subscription.RetainAsPublished), ("$identifier", subscription.Identifier));

    public void DeleteSubscription(string clientId, string filter) =>
        database.Execute("DELETE FROM subscriptions WHERE client_id = $client AND filter = $filter", ("$client", clientId), ("$filter", filter));

    public ArrayList LoadSessions()
    {
        var sessions = new Dictionary<string, SessionRecord>();
        lock (database.Sync)
        {
            using (var command = database.Command("SELECT client_id, expiry_seconds, disconnected_at_ms FROM sessions"))
            using (var reader = command.ExecuteReader())
            {
                while (reader.Read())
                {
                    var record = new SessionRecord(reader.GetString(0), (uint)reader.GetInt64(1), reader.GetInt64(2));
                    sessions[record.ClientId] = record;
                }
            }

            using (var command = database.Command("SELECT client_id, filter, qos, no_local, retain_as_published, identifier FROM subscriptions"))
            using (var reader = command.ExecuteReader())
            {
                while (reader.Read())
                {
                    if (sessions.TryGetValue(reader.GetString(0), out var session))
                    {
                        session.Subscriptions.Add(new SubscriptionRecord(
                            reader.GetString(1), reader.GetInt32(2), reader.GetBoolean(3), reader.GetBoolean(4), reader.GetInt32(5)));
                    }
                }
            }
        }

        return new ArrayList(sessions.Values.ToList());
    }
}
