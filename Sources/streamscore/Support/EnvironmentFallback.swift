import ArgumentParser
import Foundation

/// A command whose options can come from `STREAMSCORE_*` environment variables.
protocol EnvironmentConfigurable {
    /// Long option names (without `--`) that read `STREAMSCORE_<NAME>`.
    static var environmentOptions: [String] { get }
    /// Of those, the ones that are flags (no value); the variable is true for 1/true/yes/on.
    static var environmentFlags: [String] { get }
    /// Of those, the repeatable ones; the variable holds a comma-separated list.
    static var environmentLists: [String] { get }
}

extension EnvironmentConfigurable {
    static var environmentFlags: [String] { [] }
    static var environmentLists: [String] { [] }
}

/// Turns `STREAMSCORE_*` variables into command-line options the user did not give.
enum EnvironmentFallback {
    static func processEnvironment() -> [String: String] { ProcessInfo.processInfo.environment }

    /// The variable name for a long option: `max-batch-rows` → `STREAMSCORE_MAX_BATCH_ROWS`.
    static func variableName(for option: String) -> String {
        "STREAMSCORE_" + option.uppercased().replacingOccurrences(of: "-", with: "_")
    }

    /// Returns `arguments` plus options taken from `environment` for the subcommand they select.
    static func apply(to arguments: [String], root: any ParsableCommand.Type,
                      environment: [String: String]) -> [String] {
        guard let command = resolve(arguments, root: root) as? any EnvironmentConfigurable.Type else {
            return arguments
        }
        let given = Set(arguments.compactMap { arg -> String? in
            guard arg.hasPrefix("--") else { return nil }
            return String(arg.dropFirst(2).split(separator: "=", maxSplits: 1).first ?? "")
        })
        // Options go before a `--` terminator, if any.
        var head = arguments
        var tail: [String] = []
        if let dd = arguments.firstIndex(of: "--") {
            head = Array(arguments[..<dd])
            tail = Array(arguments[dd...])
        }
        for option in command.environmentOptions where !given.contains(option) {
            guard let value = environment[variableName(for: option)], !value.isEmpty else { continue }
            if command.environmentFlags.contains(option) {
                if ["1", "true", "yes", "on"].contains(value.lowercased()) { head.append("--\(option)") }
            } else if command.environmentLists.contains(option) {
                for item in value.split(separator: ",") where !item.isEmpty {
                    head += ["--\(option)", String(item)]
                }
            } else {
                head += ["--\(option)", value]
            }
        }
        return head + tail
    }

    /// Follows leading subcommand names from the root to the selected command type.
    static func resolve(_ arguments: [String], root: any ParsableCommand.Type) -> any ParsableCommand.Type {
        var current = root
        for arg in arguments {
            guard !arg.hasPrefix("-") else { break }
            guard let next = current.configuration.subcommands.first(where: {
                ($0.configuration.commandName ?? "") == arg
            }) else { break }
            current = next
        }
        return current
    }
}
