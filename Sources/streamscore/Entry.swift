import ArgumentParser

/// The process entry point: fills options from STREAMSCORE_* variables, then runs the command.
@main
enum Entry {
    static func main() async {
        let arguments = EnvironmentFallback.apply(
            to: Array(CommandLine.arguments.dropFirst()),
            root: StreamScoreCommand.self,
            environment: EnvironmentFallback.processEnvironment()
        )
        await StreamScoreCommand.main(arguments)
    }
}
