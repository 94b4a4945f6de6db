namespace ControlApi.Persistence;

/// <summary>
/// <see cref="DatabaseVersion"/> asked once per request (scoped), for everything the request reads
/// from memory: the API key, then the current revision. A label taken earlier in the request is
/// older than the data read after it, never newer, so sharing it can only cause an extra read —
/// and a read answered from memory pays for one question to SQLite instead of two. Request scopes
/// only: a long-lived scope would keep labelling with the version of its start.
/// </summary>
public sealed class RequestDatabaseVersion(DatabaseVersion version)
{
    private long? _value;
    private bool _asked;

    public long? Value
    {
        get
        {
            if (_asked) return _value;
            _value = version.Current();
            _asked = true;
            return _value;
        }
    }
}
