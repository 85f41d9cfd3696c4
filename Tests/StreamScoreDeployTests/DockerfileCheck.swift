import Foundation

/// Checks Compose/Dockerfile without Docker: its stages, packages, user and entry point.
enum DockerfileCheck {
    static let path = "Compose/Dockerfile"
    static let ignorePath = "Compose/Dockerfile.dockerignore"

    struct Instruction {
        var keyword: String
        var arguments: String
    }

    struct Stage {
        var image: String
        var name: String?
        var instructions: [Instruction] = []
        func all(_ keyword: String) -> [String] { instructions.filter { $0.keyword == keyword }.map(\.arguments) }
    }

    /// Instructions with continuation lines joined and comments dropped.
    static func instructions(_ text: String) -> [Instruction] {
        var result: [Instruction] = []
        var pending = ""
        for rawLine in text.split(separator: "\n", omittingEmptySubsequences: false) {
            let line = rawLine.trimmingCharacters(in: .whitespaces)
            if line.hasPrefix("#") { continue }
            if line.hasSuffix("\\") {
                pending += String(line.dropLast()) + " "
                continue
            }
            let full = (pending + line).trimmingCharacters(in: .whitespaces)
            pending = ""
            guard !full.isEmpty else { continue }
            let parts = full.split(separator: " ", maxSplits: 1)
            result.append(Instruction(keyword: parts[0].uppercased(),
                                      arguments: parts.count > 1 ? String(parts[1]).trimmingCharacters(in: .whitespaces) : ""))
        }
        return result
    }

    static func stages(_ text: String) -> [Stage] {
        var globalArgs: [String: String] = [:]
        var stages: [Stage] = []
        for instruction in instructions(text) {
            if instruction.keyword == "FROM" {
                var words = instruction.arguments.split(separator: " ").map(String.init)
                    .filter { !$0.hasPrefix("--platform") }
                var image = words.first ?? ""
                for (name, value) in globalArgs {
                    image = image.replacingOccurrences(of: "${\(name)}", with: value)
                        .replacingOccurrences(of: "$\(name)", with: value)
                }
                words.removeFirst(min(1, words.count))
                let name = words.count >= 2 && words[0].uppercased() == "AS" ? words[1] : nil
                stages.append(Stage(image: image, name: name))
            } else if stages.isEmpty {
                if instruction.keyword == "ARG" {
                    let parts = instruction.arguments.split(separator: "=", maxSplits: 1).map(String.init)
                    if parts.count == 2 { globalArgs[parts[0]] = parts[1] }
                }
            } else {
                stages[stages.count - 1].instructions.append(instruction)
            }
        }
        return stages
    }

    static func problems(_ text: String, dockerignore: String?) -> [String] {
        var problems: [String] = []
        let stages = stages(text)
        guard stages.count >= 2, let build = stages.first, let runtime = stages.last else {
            return ["expected a multi-stage build (a build stage and a runtime stage), found \(stages.count) FROM"]
        }
        // Build stage: the Swift toolchain image, librdkafka headers, a release build of streamscore.
        if !build.image.hasPrefix("swift:6") {
            problems.append("build stage should be FROM swift:6.x, got \(build.image)")
        }
        let buildRuns = build.all("RUN").joined(separator: "\n")
        if !aptInstalls(buildRuns, "librdkafka-dev") { problems.append("build stage must apt-get install librdkafka-dev") }
        if !buildRuns.contains("swift build -c release --product streamscore") {
            problems.append("build stage must run `swift build -c release --product streamscore`")
        }

        // Runtime stage: slim Debian of the same release as the build image, librdkafka1, non-root.
        if !runtime.image.hasPrefix("debian:") { problems.append("runtime stage should be FROM debian:*-slim, got \(runtime.image)") }
        let codenames = ["bullseye", "bookworm", "trixie", "jammy", "noble"]
        if codenames.first(where: build.image.contains) != codenames.first(where: runtime.image.contains) {
            problems.append("build (\(build.image)) and runtime (\(runtime.image)) images differ in Debian release; librdkafka must match")
        }
        let runtimeRuns = runtime.all("RUN").joined(separator: "\n")
        for package in ["librdkafka1", "ca-certificates"] where !aptInstalls(runtimeRuns, package) {
            problems.append("runtime stage must apt-get install \(package)")
        }
        if !runtimeRuns.contains("useradd") { problems.append("runtime stage must create a user (useradd)") }
        if let user = runtime.all("USER").last {
            let name = user.split(separator: ":").first.map(String.init) ?? ""
            if name.isEmpty || name == "root" || name == "0" { problems.append("USER must not be root, got \(user)") }
        } else {
            problems.append("runtime stage has no USER (it would run as root)")
        }
        if runtime.all("WORKDIR").last != "/app" { problems.append("runtime WORKDIR should be /app") }
        let copies = runtime.all("COPY")
        let fromBuild = copies.filter { $0.contains("--from=\(build.name ?? "0")") || $0.contains("--from=0") }
        if fromBuild.isEmpty { problems.append("runtime stage must copy the binary from the build stage") }
        if !copies.contains(where: { $0.contains("Models") && $0.contains("/app/Models") }) {
            problems.append("runtime stage must copy Models/ to /app/Models")
        }
        let entrypoint = runtime.all("ENTRYPOINT").last ?? ""
        if !entrypoint.contains("\"/usr/local/bin/streamscore\"") {
            problems.append("ENTRYPOINT should be [\"/usr/local/bin/streamscore\"], got \(entrypoint)")
        }
        if let dockerignore {
            let patterns = Set(dockerignore.split(separator: "\n").map { $0.trimmingCharacters(in: .whitespaces) })
            for needed in [".build", "Models/.venv"] where !patterns.contains(needed) {
                problems.append("Dockerfile.dockerignore must exclude \(needed) (it is large and machine-specific)")
            }
        } else {
            problems.append("Compose/Dockerfile.dockerignore is missing; the context `..` would ship .build and Models/.venv")
        }
        return problems
    }

    static func aptInstalls(_ runs: String, _ package: String) -> Bool {
        runs.contains("apt-get install") && runs.split(whereSeparator: { $0 == " " || $0 == "\n" }).contains { $0 == package }
    }
}
