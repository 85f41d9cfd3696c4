import Foundation
import Testing

@Suite("Compose: prometheus.yml")
struct PrometheusTests {
    @Test("scrapes every worker through DNS and the gateway, every 5 s")
    func scrapeConfigCoversWorkersAndGateway() throws {
        let problems = try PrometheusCheck.problems(try Repo.text(PrometheusCheck.path))
        #expect(problems == [], "\(problems.joined(separator: "\n"))")
    }

    @Test("promtool check config accepts it (rules included)", .enabled(if: findOnPath("promtool") != nil, "promtool not on PATH (scripts/setup.sh --tests installs it)"))
    func promtoolAcceptsConfig() throws {
        let result = try runProgram(findOnPath("promtool")!, ["check", "config", Repo.url(PrometheusCheck.path).path])
        #expect(result.status == 0, "\(result.output)")
    }

    @Test("promtool rejects a broken copy (the check above can fail)", .enabled(if: findOnPath("promtool") != nil, "promtool not on PATH"))
    func promtoolRejectsBrokenConfig() throws {
        let directory = try makeTemporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let text = try Repo.text(PrometheusCheck.path)
        let broken = try #require(Mutation("bad duration", "scrape_interval: 5s", "scrape_interval: 5 seconds").apply(to: text))
        try broken.write(to: directory.appendingPathComponent("prometheus.yml"), atomically: true, encoding: .utf8)
        try Repo.text("Compose/prometheus/alerts.yml")
            .write(to: directory.appendingPathComponent("alerts.yml"), atomically: true, encoding: .utf8)
        let result = try runProgram(findOnPath("promtool")!, ["check", "config", directory.appendingPathComponent("prometheus.yml").path])
        #expect(result.status != 0)
    }

    static let mutations: [Mutation] = [
        Mutation("DNS discovery looks up another name", "names: [\"worker\"]", "names: [\"workers\"]"),
        Mutation("workers are scraped on the wrong port", "port: 9100", "port: 9101"),
        Mutation("DNS discovery uses SRV records", "type: A", "type: SRV"),
        Mutation("the gateway is scraped on the wrong port", "\"gateway:8080\"", "\"gateway:8081\""),
        Mutation("scrape interval is 15 s", "scrape_interval: 5s", "scrape_interval: 15s"),
        Mutation("a rule file is missing", "  - alerts.yml", "  - missing-alerts.yml"),
        Mutation("two jobs share a name", "job_name: streamscore-gateway", "job_name: streamscore-worker"),
    ]

    @Test("a broken prometheus.yml is reported", arguments: mutations)
    func mutationIsCaught(_ mutation: Mutation) throws {
        let mutated = try #require(mutation.apply(to: try Repo.text(PrometheusCheck.path)), "stale mutation")
        #expect(!(try PrometheusCheck.problems(mutated)).isEmpty, "no problem reported for: \(mutation.description)")
    }
}
