namespace EdgeBroker.Core.Security
{
    /// <summary>
    /// Told about every denied PUBLISH or SUBSCRIBE, so the engine can log it with its own logger.
    /// <paramref name="topicOrFilter"/> is the topic of a PUBLISH or the filter of a SUBSCRIBE.
    /// </summary>
    public delegate void AccessDeniedHandler(string clientId, string topicOrFilter, bool isPublish, string reason);
}
