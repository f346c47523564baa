using EdgeBroker.Host.Storage;
using EdgeBroker.Storage.Tests.Support;
using Microsoft.Data.Sqlite;

namespace EdgeBroker.Storage.Tests.Sqlite;

/// <summary>A data directory whose database cannot be used stops the start with an error that names the file and what
/// to do; the file is left as it was.</summary>
public sealed class SqliteStartupTests : IDisposable
{
    readonly TempDirectory _directory = new();

    string DatabasePath => _directory.File(SqliteDatabase.FileName);

    [Fact]
    public void AFileThatIsNotADatabase_IsUnavailable_NamingTheFile()
    {
        byte[] garbage = Enumerable.Repeat("not a database, just text. "u8.ToArray(), 200).SelectMany(bytes => bytes).ToArray();
        File.WriteAllBytes(DatabasePath, garbage);

        var error = Assert.Throws<StoreUnavailableException>(() => SqliteDatabase.Open(_directory.Path));

        Assert.Contains(DatabasePath, error.Message);
        Assert.Contains("Nothing was changed", error.Message);
        Assert.Equal(garbage, File.ReadAllBytes(DatabasePath));
    }

    [Fact]
    public void ADirectoryInPlaceOfTheDatabase_IsUnavailable_NamingIt()
    {
        Directory.CreateDirectory(DatabasePath);

        var error = Assert.Throws<StoreUnavailableException>(() => SqliteDatabase.Open(_directory.Path));

        Assert.Equal($"The data store {DatabasePath} is a directory, not a database file. Move it away or choose another --data-dir.", error.Message);
    }

    [Fact]
    public void ADatabaseOfANewerSchema_SaysSo()
    {
        SqliteDatabase.Open(_directory.Path).Dispose();
        using (var connection = new SqliteConnection(new SqliteConnectionStringBuilder { DataSource = DatabasePath, Pooling = false }.ToString()))
        {
            connection.Open();
            using SqliteCommand command = connection.CreateCommand();
            command.CommandText = "PRAGMA user_version = 99;";
            command.ExecuteNonQuery();
        }

        var error = Assert.Throws<StoreUnavailableException>(() => SqliteDatabase.Open(_directory.Path));

        Assert.Contains(DatabasePath, error.Message);
        Assert.Contains("newer EdgeBroker", error.Message);
    }

    public void Dispose() => _directory.Dispose();
}
