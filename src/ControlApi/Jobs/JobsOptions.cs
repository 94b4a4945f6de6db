using Microsoft.Extensions.Options;

namespace ControlApi.Jobs;

/// <summary><c>ControlApi:Jobs</c>: how Hangfire's workers look for work.</summary>
public sealed class JobsOptions
{
    public const string SectionName = "ControlApi:Jobs";

    /// <summary>
    /// SQLite: the longest an idle Hangfire worker sleeps before it looks for a job anyway. An enqueue
    /// wakes the workers of its queue at once (<see cref="QueueWakeUps"/>), so this neither delays a
    /// commit nor a delivery; it only bounds how late a job whose worker vanished is taken up again
    /// after the storage's invisibility timeout (30 minutes). Each look is a query, so shorter costs
    /// idle CPU for nothing. PostgreSQL has its own wake-up and fallback (<see cref="HangfireStorage.PostgreSqlFallbackPoll"/>).
    /// </summary>
    public TimeSpan QueuePollInterval { get; set; } = TimeSpan.FromMinutes(1);
}

/// <summary>Refuses a fallback poll that would spin the queues or leave an abandoned job for hours, naming the key.</summary>
public sealed class JobsOptionsValidator : IValidateOptions<JobsOptions>
{
    public ValidateOptionsResult Validate(string? name, JobsOptions options)
    {
        var failures = new List<string>();
        Check(options.QueuePollInterval, nameof(JobsOptions.QueuePollInterval), failures);
        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }

    private static void Check(TimeSpan interval, string key, List<string> failures)
    {
        if (interval < TimeSpan.FromMilliseconds(10) || interval > TimeSpan.FromHours(1))
            failures.Add($"{JobsOptions.SectionName}:{key} {interval} must be between 00:00:00.010 and 01:00:00.");
    }
}
