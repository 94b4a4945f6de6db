using Microsoft.Extensions.Options;

namespace ControlApi.Jobs;

/// <summary><c>ControlApi:Jobs</c>: how Hangfire's workers look for work.</summary>
public sealed class JobsOptions
{
    public const string SectionName = "ControlApi:Jobs";

    /// <summary>
    /// How often an idle worker of the <c>default</c> queue (commits, polls, chat follow-ups) asks
    /// for a job: the commit's pick-up delay (half of it on average). Its two workers poll on a
    /// storage of their own (<see cref="DefaultQueueServer"/>).
    /// </summary>
    public TimeSpan CommitQueuePollInterval { get; set; } = TimeSpan.FromMilliseconds(50);

    /// <summary>
    /// How often each idle worker of the <c>track</c> and <c>notifications</c> queues (12 by default)
    /// asks for a job. Neither is latency-bound: a track job follows a revision for minutes, a
    /// webhook delivery may wait half a second.
    /// </summary>
    public TimeSpan QueuePollInterval { get; set; } = TimeSpan.FromMilliseconds(500);
}

/// <summary>Refuses a poll interval that would spin or stall the queues, naming the key.</summary>
public sealed class JobsOptionsValidator : IValidateOptions<JobsOptions>
{
    public ValidateOptionsResult Validate(string? name, JobsOptions options)
    {
        var failures = new List<string>();
        Check(options.CommitQueuePollInterval, nameof(JobsOptions.CommitQueuePollInterval), failures);
        Check(options.QueuePollInterval, nameof(JobsOptions.QueuePollInterval), failures);
        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }

    private static void Check(TimeSpan interval, string key, List<string> failures)
    {
        if (interval < TimeSpan.FromMilliseconds(10) || interval > TimeSpan.FromSeconds(15))
            failures.Add($"{JobsOptions.SectionName}:{key} {interval} must be between 00:00:00.010 and 00:00:15.");
    }
}
