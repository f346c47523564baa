namespace EdgeBroker.Core.Security
{
    /// <summary>
    /// What both engines say at start-up about a configured access key: an ID that can never sign in is a mistake, and a
    /// short secret is a warning. Not a refusal: configurations that ran before keep running, told why to change.
    /// </summary>
    public static class AccessKeyCheck
    {
        /// <summary>Secrets shorter than this are warned about. Sixteen random characters are beyond offline guessing;
        /// the passwords people type are not.</summary>
        public const int MinSecretLength = 16;

        /// <summary>Why <paramref name="id"/> cannot be an access key's ID, or null when it can. The ID travels in the
        /// user name between '|' separators (<c>Signature|{id}|{instance}</c>), so one with a '|' never parses.</summary>
        public static string IdProblem(string id)
        {
            if (id.IndexOf('|') < 0)
            {
                return null;
            }

            return "Access key '" + id + "' has '|' in its ID: clients name the key in their user name between '|' separators "
                + "(Signature|{AccessKeyId}|{InstanceId}), so no client could ever sign in with it. Choose an ID without '|'.";
        }

        /// <summary>The start-up warning for the key <paramref name="id"/> when <paramref name="secret"/> is shorter than
        /// <see cref="MinSecretLength"/>, or null. Names the key only: neither the secret nor its length, which would
        /// narrow a guess.</summary>
        public static string WeakSecretWarning(string id, string secret)
        {
            if (secret.Length >= MinSecretLength)
            {
                return null;
            }

            return "Access key " + id + " has a secret shorter than " + MinSecretLength + " characters. The secret is the HMAC key "
                + "of every Signature-mode password, and such a password crosses a plain MQTT listener in clear: from one captured "
                + "CONNECT a short secret can be guessed offline, and whoever has it signs in as any client (and, on the host, "
                + "administers the broker over its HTTP API). Use at least " + MinSecretLength + " random characters.";
        }
    }
}
