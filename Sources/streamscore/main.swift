import ArgumentParser

let arguments = EnvironmentFallback.apply(
    to: Array(CommandLine.arguments.dropFirst()),
    root: StreamScoreCommand.self,
    environment: EnvironmentFallback.processEnvironment()
)
do {
    var command = try StreamScoreCommand.parseAsRoot(arguments)
    if var asyncCommand = command as? any AsyncParsableCommand {
        try await asyncCommand.run()
    } else {
        try command.run()
    }
} catch {
    StreamScoreCommand.exit(withError: error)
}
