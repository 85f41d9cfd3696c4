import Foundation
import Testing

@Suite("streamscore model: control commands and status against worker processes", .serialized)
struct ModelControlCommandTests {
    @Test("pin, canary and status: both workers report the new routing; bad arguments fail clearly")
    func pinCanaryStatus() throws {
        let exe = try streamscoreExecutable().path
        let store = NSTemporaryDirectory() + "streamscore-cli-models-\(UUID().uuidString.prefix(8))"
        defer { try? FileManager.default.removeItem(atPath: store) }
        try FileManager.default.createDirectory(atPath: store + "/iris", withIntermediateDirectories: true)
        let iris1 = repositoryRoot.appendingPathComponent("Models/iris/1").path
        try FileManager.default.copyItem(atPath: iris1, toPath: store + "/iris/1")
        try FileManager.default.copyItem(atPath: iris1, toPath: store + "/iris/2")
        let cardPath = store + "/iris/2/card.json"
        let card = try String(contentsOfFile: cardPath, encoding: .utf8)
            .replacingOccurrences(of: "\"version\": \"1\"", with: "\"version\": \"2\"")
        try card.write(toFile: cardPath, atomically: true, encoding: .utf8)

        let broker = try ChildProcess(try streamscoreExecutable(), ["broker", "--port", "0"])
        defer { _ = broker.stop() }
        let bootstrap = try broker.readLine()
        let workers = try (0..<2).map { _ in
            try ChildProcess(try streamscoreExecutable(),
                             ["worker", "--brokers", bootstrap, "--models", store, "--http-port=-1", "--log-level", "warning",
                              "--metrics-interval-ms", "200"])
        }
        defer { for w in workers { _ = w.stop() } }
        for w in workers { #expect(try w.readLine(timeout: .seconds(30)).contains("models=iris:2")) }
        // Workers report to the metrics topic only after replaying the control topic; a command
        // that arrives during the replay is applied silently, without a control event.
        func statusObject() throws -> [String: Any]? {
            let out = try run(exe, ["model", "status", "--brokers", bootstrap, "--json", "--max-age-s", "5"])
            guard out.status == 0, let data = out.output.data(using: .utf8) else { return nil }
            return try JSONSerialization.jsonObject(with: data) as? [String: Any]
        }
        let startDeadline = ContinuousClock.now + .seconds(30)
        var reporting = 0
        while reporting < 2, ContinuousClock.now < startDeadline {
            Thread.sleep(forTimeInterval: 0.3)
            reporting = (try statusObject()?["workers"] as? [String: Any])?.count ?? 0
        }
        #expect(reporting == 2, "both workers report before the commands are sent")

        let pin = try run(exe, ["model", "pin", "iris", "1", "--brokers", bootstrap])
        #expect(pin.status == 0)
        #expect(pin.output.contains("\"action\":\"pin\""))
        let canary = try run(exe, ["model", "canary", "iris", "2", "--percent", "20", "--brokers", bootstrap])
        #expect(canary.status == 0)

        var status: [String: Any] = [:]
        let deadline = ContinuousClock.now + .seconds(30)
        var agreed = false
        while !agreed, ContinuousClock.now < deadline {
            Thread.sleep(forTimeInterval: 0.5)
            guard let object = try statusObject() else { continue }
            status = object
            let perWorker = (object["workers"] as? [String: [String: [String: Any]]]) ?? [:]
            // A worker's metrics window can carry the new routing before its control events (produced
            // from a separate task) land on the topic: wait for both.
            let controlEvents = ((object["events"] as? [[String: Any]]) ?? []).filter { $0["event"] as? String == "control" }
            agreed = perWorker.count == 2 && controlEvents.count >= 4 && perWorker.values.allSatisfy { models in
                let iris = models["iris"]
                return iris?["serving"] as? String == "1" && (iris?["canary"] as? [String: Any])?["percent"] as? Double == 20
            }
        }
        #expect(agreed, "both workers report the routing and both commands; status: \(status)")

        let text = try run(exe, ["model", "status", "--brokers", bootstrap, "--max-age-s", "5"])
        #expect(text.output.contains("iris: serving 1 (latest 2; loaded 1, 2) pinned 1 canary 2 at 20.0%"))

        let bad = try run(exe, ["model", "canary", "iris", "2", "--brokers", bootstrap])
        #expect(bad.status != 0)
        #expect(bad.error.contains("give VERSION and --percent, or --off"))
    }
}
