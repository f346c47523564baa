namespace EdgeBroker.Core.Presence
{
    /// <summary>
    /// A presence event was published: <paramref name="groupId"/> is the client's group, <paramref name="eventJson"/> the
    /// event's payload (<see cref="PresenceEventJson"/>). Called in the order the events happened, under the presence
    /// lock, so a handler only hands the event on (an engine's live feed to its dashboard) and never blocks.
    /// </summary>
    public delegate void PresenceEventHandler(string groupId, string eventJson);
}
