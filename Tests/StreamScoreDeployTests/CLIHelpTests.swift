import Foundation
import Testing

/// The built `streamscore`, if any: next to this test bundle (the build under test), else
/// `.build/debug/streamscore` in the repository.
enum StreamScoreBinary {
    static let path: String? = {
        var candidates: [URL] = []
        var directory = URL(fileURLWithPath: CommandLine.arguments.first ?? "").deletingLastPathComponent()
        for _ in 0..<3 {
            candidates.append(directory.appendingPathComponent("streamscore"))
            directory = directory.deletingLastPathComponent()
        }
        candidates.append(Repo.url(".build/debug/streamscore"))
        return candidates.map(\.path).first { FileManager.default.isExecutableFile(atPath: $0) }
    }()

    static let rootHelp: String? = path.flatMap { try? runProgram($0, ["--help"], timeout: 30).output }

    /// Whether `streamscore --help` lists `name` under SUBCOMMANDS.
    static func hasSubcommand(_ name: String) -> Bool {
        guard let help = rootHelp, let section = help.range(of: "SUBCOMMANDS:") else { return false }
        return help[section.upperBound...].split(separator: "\n").contains { line in
            line.hasPrefix(" ") && line.split(separator: " ").first.map(String.init) == name
        }
    }

    /// Every `--flag` that `streamscore <subcommand> --help` mentions.
    static func flags(of subcommand: String) throws -> Set<String> {
        guard let path else { throw CocoaError(.fileNoSuchFile) }
        let result = try runProgram(path, [subcommand, "--help"], timeout: 30)
        let regex = try NSRegularExpression(pattern: "--[a-z0-9][a-z0-9-]*")
        let text = result.output
        let matches = regex.matches(in: text, range: NSRange(text.startIndex..., in: text))
        return Set(matches.compactMap { Range($0.range, in: text).map { String(text[$0]) } })
    }
}

/// Each STREAMSCORE_* variable the deployment files set must be a flag of the subcommand, as
/// `streamscore <cmd> --help` prints it. These tests are skipped (not passed) only when there is
/// no built binary or its `streamscore --help` doesn't list the subcommand yet; then the
/// AcceptedEnvironment constants stand in for the CLI in the other suites.
@Suite("STREAMSCORE_* variables against `streamscore <cmd> --help`")
struct CLIHelpTests {
    /// The variables the compose file and the manifests give a component.
    static func variablesUsed(by component: Component) throws -> Set<String> {
        let compose = try Node.yaml(try Repo.text(ComposeTests.path))
        var used = Set(ComposeCheck.environment(compose["services"][component.rawValue]).keys)
        for (_, text) in try KubernetesCheck.manifestFiles() {
            for document in try Node.yamlDocuments(text) where document["kind"].text == "Deployment" {
                let container = document["spec"]["template"]["spec"]["containers"][0]
                guard (container["command"].strings + container["args"].strings).contains(component.rawValue) else { continue }
                used.formUnion(container["env"].items.compactMap { $0["name"].text })
                for source in container["envFrom"].items {
                    let name = source["configMapRef"]["name"].text
                    for (_, mapText) in try KubernetesCheck.manifestFiles() {
                        for map in try Node.yamlDocuments(mapText)
                        where map["kind"].text == "ConfigMap" && map["metadata"]["name"].text == name {
                            used.formUnion(map["data"].keys)
                        }
                    }
                }
            }
        }
        return used
    }

    static func check(_ component: Component) throws {
        let flags = try StreamScoreBinary.flags(of: component.rawValue)
        for variable in try variablesUsed(by: component).sorted() {
            let flag = AcceptedEnvironment.flag(for: variable)
            #expect(flags.contains(flag), "\(variable) is set for the \(component.rawValue), but `streamscore \(component.rawValue) --help` has no \(flag)")
        }
        for variable in AcceptedEnvironment.accepted(by: component).sorted() {
            let flag = AcceptedEnvironment.flag(for: variable)
            #expect(flags.contains(flag), "AcceptedEnvironment lists \(variable), but `streamscore \(component.rawValue) --help` has no \(flag)")
        }
    }

    @Test("worker variables are flags of `streamscore worker`",
          .enabled(if: StreamScoreBinary.hasSubcommand("worker"), "no built streamscore with a `worker` subcommand"))
    func workerVariablesAreFlags() throws {
        try Self.check(.worker)
    }

    @Test("gateway variables are flags of `streamscore gateway`",
          .enabled(if: StreamScoreBinary.hasSubcommand("gateway"), "no built streamscore with a `gateway` subcommand"))
    func gatewayVariablesAreFlags() throws {
        try Self.check(.gateway)
    }

    @Test("variable ↔ flag naming")
    func flagNaming() {
        #expect(AcceptedEnvironment.flag(for: "STREAMSCORE_MAX_BATCH_ROWS") == "--max-batch-rows")
        #expect(AcceptedEnvironment.flag(for: "STREAMSCORE_KAFKA") == "--kafka")
        for variable in AcceptedEnvironment.worker.union(AcceptedEnvironment.gateway) {
            #expect(variable.hasPrefix("STREAMSCORE_") && variable == variable.uppercased())
        }
    }
}
