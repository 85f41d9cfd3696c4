import Foundation
import Testing

@Suite("Compose: Dockerfile")
struct DockerfileTests {
    static func dockerignore() -> String? { try? Repo.text(DockerfileCheck.ignorePath) }

    @Test("two stages, librdkafka1 at runtime, a non-root user, streamscore as the entry point")
    func dockerfileIsSound() throws {
        let text = try Repo.text(DockerfileCheck.path)
        let problems = DockerfileCheck.problems(text, dockerignore: Self.dockerignore())
        #expect(problems == [], "\(problems.joined(separator: "\n"))")
        let stages = DockerfileCheck.stages(text)
        #expect(stages.count == 2)
        #expect(stages.first?.image.hasPrefix("swift:6") == true)
        #expect(stages.last?.image == "debian:bookworm-slim")
    }

    static let mutations: [Mutation] = [
        Mutation("runs as root", "USER 10001:10001", "USER root"),
        Mutation("no USER at all", "USER 10001:10001", ""),
        Mutation("librdkafka1 not installed at runtime", "librdkafka1 ca-certificates", "ca-certificates"),
        Mutation("a single stage", "FROM ${RUNTIME_IMAGE} AS runtime", "RUN true"),
        Mutation("runtime Debian differs from the build image's", "ARG RUNTIME_IMAGE=debian:bookworm-slim", "ARG RUNTIME_IMAGE=debian:trixie-slim"),
        Mutation("build stage is not Swift 6", "ARG SWIFT_IMAGE=swift:6.1-bookworm", "ARG SWIFT_IMAGE=swift:5.10-bookworm"),
        Mutation("streamscore is not built in release", "swift build -c release --product streamscore", "swift build --product streamscore"),
        Mutation("another entry point", "ENTRYPOINT [\"/usr/local/bin/streamscore\"]", "ENTRYPOINT [\"/bin/sh\"]"),
        Mutation("Models are not in the image", "COPY Models/ /app/Models/", "RUN mkdir -p /app/Models"),
    ]

    @Test("a broken Dockerfile is reported", arguments: mutations)
    func mutationIsCaught(_ mutation: Mutation) throws {
        let mutated = try #require(mutation.apply(to: try Repo.text(DockerfileCheck.path)), "stale mutation")
        #expect(!DockerfileCheck.problems(mutated, dockerignore: Self.dockerignore()).isEmpty,
                "no problem reported for: \(mutation.description)")
    }

    @Test("a build context that ships Models/.venv is reported")
    func dockerignoreMutationIsCaught() throws {
        let text = try Repo.text(DockerfileCheck.path)
        let ignore = try #require(Self.dockerignore())
        let mutated = try #require(Mutation("venv", "Models/.venv\n", "").apply(to: ignore))
        #expect(!DockerfileCheck.problems(text, dockerignore: mutated).isEmpty)
        #expect(!DockerfileCheck.problems(text, dockerignore: nil).isEmpty)
    }
}
