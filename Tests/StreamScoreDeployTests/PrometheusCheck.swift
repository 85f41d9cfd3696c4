import Foundation

/// Checks Compose/prometheus/prometheus.yml against the compose services.
enum PrometheusCheck {
    static let path = "Compose/prometheus/prometheus.yml"

    static func problems(_ text: String, configDirectory: String = "Compose/prometheus") throws -> [String] {
        let config = try Node.yaml(text)
        var problems: [String] = []
        if config["global"]["scrape_interval"].text != "5s" {
            problems.append("global.scrape_interval should be 5s, got \(config["global"]["scrape_interval"].text ?? "unset")")
        }
        let jobs = config["scrape_configs"].items
        var names: Set<String> = []
        for job in jobs {
            let name = job["job_name"].text ?? ""
            if name.isEmpty { problems.append("a scrape config has no job_name") }
            if !names.insert(name).inserted { problems.append("job_name '\(name)' is used twice") }
        }

        // Every worker replica: DNS service discovery on the compose service name.
        let workerJobs = jobs.filter { job in
            job["dns_sd_configs"].items.contains { sd in
                sd["names"].strings.contains("worker")
                    && (sd["type"].text ?? "SRV") == "A"
                    && sd["port"].int == Documented.workerMetricsPort
            }
        }
        if workerJobs.isEmpty {
            problems.append("no job scrapes the workers through dns_sd_configs {names: [worker], type: A, port: \(Documented.workerMetricsPort)}")
        }
        for job in workerJobs where (job["metrics_path"].text ?? "/metrics") != "/metrics" {
            problems.append("worker job '\(job["job_name"].text ?? "")' must scrape /metrics")
        }

        let gatewayTarget = "gateway:\(Documented.gatewayPort)"
        let gatewayJobs = jobs.filter { job in
            job["static_configs"].items.contains { $0["targets"].strings.contains(gatewayTarget) }
        }
        if gatewayJobs.isEmpty { problems.append("no job scrapes \(gatewayTarget)") }
        for job in gatewayJobs where (job["metrics_path"].text ?? "/metrics") != "/metrics" {
            problems.append("gateway job '\(job["job_name"].text ?? "")' must scrape /metrics")
        }

        for file in config["rule_files"].strings where !file.contains("*") {
            let resolved = file.hasPrefix("/") ? file : (configDirectory as NSString).appendingPathComponent(file)
            if !Repo.exists(resolved) { problems.append("rule file \(file) does not exist next to prometheus.yml") }
        }
        return problems
    }
}
