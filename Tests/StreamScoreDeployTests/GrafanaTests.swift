import Foundation
import Testing

@Suite("Compose: Grafana provisioning and dashboard")
struct GrafanaTests {
    static func provisionedUID() throws -> String? {
        try GrafanaCheck.datasourceProblems(try Repo.text(GrafanaCheck.datasourcePath)).uid
    }

    @Test("the Prometheus datasource is provisioned with uid `prometheus`")
    func datasourceIsProvisioned() throws {
        let (uid, problems) = try GrafanaCheck.datasourceProblems(try Repo.text(GrafanaCheck.datasourcePath))
        #expect(problems == [], "\(problems.joined(separator: "\n"))")
        #expect(uid == "prometheus")
    }

    @Test("the dashboard provider loads the folder compose mounts")
    func providerMatchesComposeMount() throws {
        let compose = try Node.yaml(try Repo.text(ComposeTests.path))
        let mount = ComposeCheck.dashboardsMount(compose["services"]["grafana"])
        let problems = try GrafanaCheck.providerProblems(try Repo.text(GrafanaCheck.providerPath), dashboardsMount: mount)
        #expect(problems == [], "\(problems.joined(separator: "\n"))")
    }

    @Test("every panel has a title, a unit and a query; the required metrics are charted")
    func dashboardIsComplete() throws {
        let data = try Data(contentsOf: Repo.url(GrafanaCheck.dashboardPath))
        let problems = try GrafanaCheck.dashboardProblems(data, datasourceUID: try Self.provisionedUID())
        #expect(problems == [], "\(problems.joined(separator: "\n"))")
    }

    @Test("every dashboard query is valid PromQL (promtool check rules)",
          .enabled(if: findOnPath("promtool") != nil, "promtool not on PATH (scripts/setup.sh --tests installs it)"))
    func dashboardQueriesParse() throws {
        let data = try Data(contentsOf: Repo.url(GrafanaCheck.dashboardPath))
        let expressions = try GrafanaCheck.promQLExpressions(data)
        #expect(!expressions.isEmpty)
        let rules: [String: Any] = ["groups": [[
            "name": "dashboard",
            "rules": expressions.enumerated().map { ["record": "dashboard:query_\($0.offset)", "expr": $0.element] },
        ]]]
        let directory = try makeTemporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let file = directory.appendingPathComponent("dashboard-rules.yml")
        // JSON is YAML, so promtool reads it as a rules file.
        try JSONSerialization.data(withJSONObject: rules, options: [.prettyPrinted, .withoutEscapingSlashes]).write(to: file)
        let result = try runProgram(findOnPath("promtool")!, ["check", "rules", file.path])
        #expect(result.status == 0, "\(result.output)")
    }

    static let dashboardMutations: [Mutation] = [
        Mutation("a panel loses its title", "\"title\": \"Feature drift (PSI vs training baseline)\"", "\"title\": \"\""),
        Mutation("a panel refers to another datasource", "\"uid\": \"prometheus\"", "\"uid\": \"prom\""),
        Mutation("consumer lag is not charted", "streamscore_consumer_lag", "streamscore_lag", everywhere: true),
        Mutation("drift is not charted", "streamscore_drift_psi", "streamscore_drift", everywhere: true),
        Mutation("HTTP requests are not charted", "streamscore_http_requests_total", "streamscore_http_total", everywhere: true),
        Mutation("a panel has no unit", "\"unit\": \"s\"", "\"unit\": \"\""),
        Mutation("the drift threshold is 0.5", "\"value\": 0.2", "\"value\": 0.5"),
        Mutation("no p99 end-to-end latency", "histogram_quantile(0.99, sum by (le) (rate(streamscore_end_to_end_seconds_bucket",
                 "histogram_quantile(0.95, sum by (le) (rate(streamscore_end_to_end_seconds_bucket"),
        Mutation("a panel has no query", "\"expr\": \"max by (partition) (streamscore_consumer_lag)\"", "\"expr\": \"\""),
        Mutation("throughput is not split by outcome", "sum by (outcome)", "sum", everywhere: true),
    ]

    @Test("a broken dashboard is reported", arguments: dashboardMutations)
    func dashboardMutationIsCaught(_ mutation: Mutation) throws {
        let text = try Repo.text(GrafanaCheck.dashboardPath)
        let mutated = try #require(mutation.apply(to: text), "stale mutation")
        let problems = try GrafanaCheck.dashboardProblems(Data(mutated.utf8), datasourceUID: try Self.provisionedUID())
        #expect(!problems.isEmpty, "no problem reported for: \(mutation.description)")
    }

    @Test("a datasource uid the dashboard doesn't use is reported")
    func datasourceUIDMismatchIsCaught() throws {
        let text = try Repo.text(GrafanaCheck.datasourcePath)
        let mutated = try #require(Mutation("uid", "uid: prometheus", "uid: metrics").apply(to: text))
        let (uid, _) = try GrafanaCheck.datasourceProblems(mutated)
        let data = try Data(contentsOf: Repo.url(GrafanaCheck.dashboardPath))
        #expect(!(try GrafanaCheck.dashboardProblems(data, datasourceUID: uid)).isEmpty)
    }

    @Test("a provider path that compose doesn't mount is reported")
    func providerPathMismatchIsCaught() throws {
        let text = try Repo.text(GrafanaCheck.providerPath)
        let mutated = try #require(Mutation("path", "path: /var/lib/grafana/dashboards", "path: /dashboards").apply(to: text))
        let compose = try Node.yaml(try Repo.text(ComposeTests.path))
        let mount = ComposeCheck.dashboardsMount(compose["services"]["grafana"])
        #expect(!(try GrafanaCheck.providerProblems(mutated, dashboardsMount: mount)).isEmpty)
    }
}
