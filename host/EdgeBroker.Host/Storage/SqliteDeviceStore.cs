using System.Collections;
using EdgeBroker.Core.Security;
using Microsoft.Data.Sqlite;

namespace EdgeBroker.Host.Storage;

/// <summary>Paired devices in SQLite, revoked ones included; each save is one committed statement. Only the salt and
/// the salted hash of a device's secret are kept, as the core hands them over.</summary>
public sealed class SqliteDeviceStore(SqliteDatabase database) : IDeviceStore
{
    const string Columns = "client_id, group_id, display_name, salt, secret_hash, revoked, paired_at_ms";

    public DeviceRecord? FindDevice(string clientId)
    {
        lock (database.Sync)
        {
            using var command = database.Command($"SELECT {Columns} FROM devices WHERE client_id = $client");
            command.Parameters.AddWithValue("$client", clientId);
            using var reader = command.ExecuteReader();
            return reader.Read() ? ToDevice(reader) : null;
        }
    }

    /// <summary>Always: rows on disk; the core bounds how many devices are paired (<see cref="SecurityOptions.MaxPairedDevices"/>).</summary>
    public bool HasRoomForDevice(DeviceRecord device) => true;

    public void SaveDevice(DeviceRecord device) =>
        database.Execute(
            $"""
            INSERT INTO devices ({Columns}) VALUES ($client, $group, $name, $salt, $hash, $revoked, $paired)
            ON CONFLICT (client_id) DO UPDATE SET group_id = excluded.group_id, display_name = excluded.display_name,
                salt = excluded.salt, secret_hash = excluded.secret_hash, revoked = excluded.revoked, paired_at_ms = excluded.paired_at_ms
            """,
            ("$client", device.ClientId), ("$group", device.Group), ("$name", device.DisplayName), ("$salt", device.Salt),
            ("$hash", device.SecretHash), ("$revoked", device.Revoked), ("$paired", device.PairedAtMs));

    public ArrayList LoadDevices()
    {
        var devices = new ArrayList();
        lock (database.Sync)
        {
            using var command = database.Command($"SELECT {Columns} FROM devices ORDER BY paired_at_ms, client_id");
            using var reader = command.ExecuteReader();
            while (reader.Read())
            {
                devices.Add(ToDevice(reader));
            }
        }

        return devices;
    }

    static DeviceRecord ToDevice(SqliteDataReader reader) => new(
        reader.GetString(0), reader.GetString(1), reader.GetString(2), (byte[])reader["salt"], (byte[])reader["secret_hash"],
        reader.GetBoolean(5), reader.GetInt64(6));
}
