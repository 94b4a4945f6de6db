using ControlApi.Cli;

return await CliApp.RunAsync(args, CliConsole.System);
