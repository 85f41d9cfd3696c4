import Foundation

/// Checks the Grafana provisioning files and the StreamScore dashboard.
enum GrafanaCheck {
    static let dashboardPath = "Compose/grafana/dashboards/streamscore.json"
    static let datasourcePath = "Compose/grafana/provisioning/datasources/prometheus.yml"
    static let providerPath = "Compose/grafana/provisioning/dashboards/dashboards.yml"

    /// Metric names the dashboard must chart (DESIGN.md's observability names).
    static let requiredMetrics = [
        "streamscore_records_total", "streamscore_end_to_end_seconds_bucket", "streamscore_queue_seconds_bucket",
        "streamscore_inference_seconds_bucket", "streamscore_batch_rows", "streamscore_consumer_lag",
        "streamscore_drift_psi", "streamscore_dlq_total", "streamscore_http_requests_total",
        "streamscore_http_request_seconds",
    ]

    /// The provisioned Prometheus datasource's uid, or a problem.
    static func datasourceProblems(_ text: String) throws -> (uid: String?, problems: [String]) {
        let file = try Node.yaml(text)
        var problems: [String] = []
        let sources = file["datasources"].items.filter { $0["type"].text == "prometheus" }
        guard sources.count == 1, let source = sources.first else {
            return (nil, ["datasources: expected exactly one prometheus datasource, found \(sources.count)"])
        }
        if source["url"].text != "http://prometheus:9090" {
            problems.append("datasources: url should be http://prometheus:9090, got \(source["url"].text ?? "unset")")
        }
        guard let uid = source["uid"].text, !uid.isEmpty else {
            return (nil, problems + ["datasources: the prometheus datasource needs a uid the dashboard can refer to"])
        }
        if uid != "prometheus" { problems.append("datasources: uid should be 'prometheus', got '\(uid)'") }
        return (uid, problems)
    }

    /// The dashboard provider must load the folder that compose mounts from Compose/grafana/dashboards.
    static func providerProblems(_ text: String, dashboardsMount: String?) throws -> [String] {
        let file = try Node.yaml(text)
        let providers = file["providers"].items
        guard !providers.isEmpty else { return ["dashboards.yml: no providers"] }
        let paths = providers.filter { ($0["type"].text ?? "file") == "file" }.compactMap { $0["options"]["path"].text }
        guard let mount = dashboardsMount else { return ["dashboards.yml: grafana doesn't mount ./grafana/dashboards"] }
        if !paths.contains(where: { $0 == mount || mount.hasPrefix($0 + "/") }) {
            return ["dashboards.yml: providers load \(paths), but compose mounts the dashboards at \(mount)"]
        }
        return []
    }

    /// Panels, with the panels of collapsed rows flattened in; row headers themselves are skipped.
    static func allPanels(_ dashboard: Node) -> [Node] {
        dashboard["panels"].items.flatMap { panel -> [Node] in
            panel["type"].text == "row" ? panel["panels"].items : [panel]
        }
    }

    static func dashboardProblems(_ data: Data, datasourceUID: String?) throws -> [String] {
        let dashboard = try Node.json(data)
        var problems: [String] = []
        if (dashboard["title"].text ?? "").isEmpty { problems.append("dashboard has no title") }
        if (dashboard["uid"].text ?? "").isEmpty { problems.append("dashboard has no uid") }
        let panels = allPanels(dashboard)
        if panels.isEmpty { problems.append("dashboard has no panels") }

        var ids: Set<Int> = []
        var allExpressions: [String] = []
        for (index, panel) in panels.enumerated() {
            let title = panel["title"].text ?? ""
            let label = title.isEmpty ? "panel #\(index)" : "panel '\(title)'"
            if title.isEmpty { problems.append("\(label) has no title") }
            if let id = panel["id"].int, !ids.insert(id).inserted { problems.append("\(label) reuses id \(id)") }
            if !panel["gridPos"].exists { problems.append("\(label) has no gridPos") }
            if (panel["fieldConfig"]["defaults"]["unit"].text ?? "").isEmpty {
                problems.append("\(label) has no unit (fieldConfig.defaults.unit)")
            }
            let expressions = panel["targets"].items.compactMap { $0["expr"].text }.filter { !$0.isEmpty }
            if expressions.isEmpty { problems.append("\(label) has no target with an expr") }
            allExpressions += expressions
            let hasDatasource = panel["datasource"].exists
                || (!panel["targets"].items.isEmpty && panel["targets"].items.allSatisfy { $0["datasource"].exists })
            if !hasDatasource { problems.append("\(label) has no datasource") }
        }

        let everything = allExpressions.joined(separator: "\n")
        for metric in requiredMetrics where !everything.contains(metric) {
            problems.append("no panel charts \(metric)")
        }
        func panel(charting metric: String) -> [Node] {
            panels.filter { $0["targets"].items.contains { ($0["expr"].text ?? "").contains(metric) } }
        }
        func expressions(_ panels: [Node]) -> String {
            panels.flatMap { $0["targets"].items.compactMap { $0["expr"].text } }.joined(separator: "\n")
        }
        // Specific content: the shapes the issue asks for.
        let compact = { (s: String) in s.replacingOccurrences(of: " ", with: "") }
        let e2e = compact(expressions(panel(charting: "streamscore_end_to_end_seconds_bucket")))
        for q in ["0.5", "0.99"] where !e2e.contains("histogram_quantile(\(q),") {
            problems.append("end-to-end latency has no histogram_quantile(\(q), …) (p\(q == "0.5" ? "50" : "99"))")
        }
        if !compact(expressions(panel(charting: "streamscore_records_total"))).contains("by(outcome)") {
            problems.append("throughput is not broken down by outcome")
        }
        if !compact(expressions(panel(charting: "streamscore_consumer_lag"))).contains("by(partition)") {
            problems.append("consumer lag is not broken down by partition")
        }
        if !compact(expressions(panel(charting: "streamscore_drift_psi"))).contains("feature") {
            problems.append("drift is not broken down by feature")
        }
        if !compact(expressions(panel(charting: "streamscore_http_requests_total"))).contains("by(route,status)") {
            problems.append("gateway requests are not broken down by route and status")
        }
        let driftThreshold = panel(charting: "streamscore_drift_psi").contains { p in
            p["fieldConfig"]["defaults"]["thresholds"]["steps"].items.contains { $0["value"].double == 0.2 }
        }
        if !driftThreshold { problems.append("the drift panel has no 0.2 threshold") }

        // Every datasource reference points at the provisioned datasource.
        dashboard.walk { path, node in
            guard path.hasSuffix(".datasource"), node.exists else { return }
            let uid = node.dictionary != nil ? node["uid"].text : node.text
            if let datasourceUID, uid != datasourceUID {
                problems.append("\(path) refers to datasource '\(uid ?? "?")', provisioned uid is '\(datasourceUID)'")
            }
        }
        return problems
    }

    /// Every target expression, with Grafana's variables replaced so promtool can parse it.
    static func promQLExpressions(_ data: Data) throws -> [String] {
        let dashboard = try Node.json(data)
        var result: [String] = []
        for panel in allPanels(dashboard) {
            for expr in panel["targets"].items.compactMap({ $0["expr"].text }) {
                var e = expr
                for v in ["$__rate_interval", "${__rate_interval}", "$__interval", "${__interval}", "$__range", "${__range}"] {
                    e = e.replacingOccurrences(of: v, with: "1m")
                }
                e = e.replacingOccurrences(of: #"\$\{?[A-Za-z_][A-Za-z0-9_]*(:[a-z]+)?\}?"#, with: ".*", options: .regularExpression)
                result.append(e)
            }
        }
        return result
    }
}
