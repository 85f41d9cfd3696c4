import Foundation
import Testing

@Suite("streamscore gateway as a process", .serialized)
struct GatewayCommandTests {
    @Test("Options from STREAMSCORE_* variables; one start line; auth; answers; exits 0 on SIGTERM")
    func gatewayProcess() throws {
        let curl = try #require(which("curl"))
        let executable = try streamscoreExecutable()
        let broker = try ChildProcess(executable, ["broker", "--port", "0"])
        defer { _ = broker.stop() }
        let bootstrap = try broker.readLine()
        let models = repositoryRoot.appendingPathComponent("Models").path
        let fast = "fetch.wait.max.ms=5,session.timeout.ms=3000,heartbeat.interval.ms=300"
        let worker = try ChildProcess(executable, ["worker", "--models", models, "--http-port=-1", "--log-level", "warning"],
                                      environment: ["STREAMSCORE_BROKERS": bootstrap, "STREAMSCORE_KAFKA": fast])
        defer { _ = worker.stop() }
        let gateway = try ChildProcess(executable, ["gateway", "--log-level", "warning"], environment: [
            "STREAMSCORE_BROKERS": bootstrap, "STREAMSCORE_PORT": "0", "STREAMSCORE_MODELS": models,
            "STREAMSCORE_AUTH_TOKEN": "t0ken", "STREAMSCORE_TIMEOUT_MS": "3000", "STREAMSCORE_KAFKA": fast,
        ])
        let line = try gateway.readLine(timeout: .seconds(30))
        #expect(line.hasPrefix("gateway listening on http://127.0.0.1:"), "\(line)")
        #expect(line.contains("brokers=\(bootstrap)") && line.contains("input=features")
                && line.contains("replies=streamscore.replies") && line.contains("auth=on") && line.contains("timeout=3000 ms"),
                "\(line)")
        let url = try #require(line.split(separator: " ").first { $0.hasPrefix("http://") }).description
        let body = #"{"data": [[5.1, 3.5, 1.4, 0.2], [6.7, 3.1, 4.4, 1.4]]}"#
        func post(_ token: String?) throws -> (status: String, body: String) {
            var args = ["-s", "-w", "\n%{http_code}", "-X", "POST", url + "/predict", "-d", body]
            if let token { args += ["-H", "Authorization: Bearer \(token)"] }
            let out = try run(curl, args, timeout: .seconds(30)).output
            let parts = out.split(separator: "\n", omittingEmptySubsequences: false)
            return (String(parts.last ?? ""), parts.dropLast().joined(separator: "\n"))
        }
        #expect(try post(nil).status == "401")
        #expect(try post("wrong").status == "401")
        // Ready once the worker and the gateway have joined their groups.
        let deadline = ContinuousClock.now + .seconds(40)
        var answer = try post("t0ken")
        while answer.status != "200", ContinuousClock.now < deadline {
            Thread.sleep(forTimeInterval: 0.3)
            answer = try post("t0ken")
        }
        #expect(answer.status == "200", "\(answer)")
        #expect(answer.body.contains(#""result":[0,1]"#), "\(answer.body)")
        let ready = try run(curl, ["-s", "-w", "\n%{http_code}", url + "/v2/health/ready"]).output
        #expect(ready.hasSuffix("200"), "health stays open: \(ready)")
        #expect(gateway.stop(signal: SIGTERM) == 0)
    }

    @Test("Bad options are refused before anything starts")
    func validation() throws {
        let executable = try streamscoreExecutable()
        let bad = try run(executable.path, ["gateway", "--brokers", "x:1", "--kafka", "no-equals-sign"])
        #expect(bad.status != 0)
        #expect(bad.error.contains("--kafka 'no-equals-sign' is not NAME=VALUE"), "\(bad.error)")
        let port = try run(executable.path, ["gateway", "--brokers", "x:1", "--port", "70000"])
        #expect(port.status != 0)
        #expect(port.error.contains("--port must be 0...65535"), "\(port.error)")
        let help = try run(executable.path, ["gateway", "--help"])
        for option in ["--brokers", "--host", "--port", "--input-topic", "--reply-topic", "--timeout-ms", "--max-body-bytes",
                       "--max-pending", "--auth-token", "--models", "--kafka", "--log-level"] {
            #expect(help.output.contains(option), "\(option) in --help")
        }
    }
}
