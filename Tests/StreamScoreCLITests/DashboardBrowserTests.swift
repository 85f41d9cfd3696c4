import Foundation
import Testing

/// Headless Chromium from Debian (`apt-get install -y chromium`; scripts/setup.sh --tests installs it).
enum HeadlessChromium {
    static let path: String? = which("chromium") ?? which("chromium-browser")
    static let isCI = ProcessInfo.processInfo.environment["CI"] == "true"
    static let skipReason: Comment = "chromium is not installed: apt-get install -y chromium (scripts/setup.sh --tests does); with CI=true this test fails instead of skipping"

    /// Runs chromium headless on `url` with a fresh profile, a hard timeout, then removes the profile.
    static func run(_ url: String, _ extra: [String]) throws -> (status: Int32, output: String, error: String) {
        guard let path else { throw CLIError("chromium is not installed") }
        let profile = FileManager.default.temporaryDirectory.appendingPathComponent("streamscore-chromium-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: profile, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: profile) }
        // `timeout` kills chromium's whole process group if it hangs; `nice` keeps its start-up burst
        // from starving the timing-sensitive suites that run at the same time.
        return try StreamScoreCLITests.run("/usr/bin/nice", ["-n", "19", "/usr/bin/timeout", "-k", "5", "60", path,
            "--headless", "--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-background-networking",
            "--disable-component-update", "--disable-sync", "--user-data-dir=\(profile.path)"] + extra + [url],
            timeout: .seconds(90))
    }
}

extension LiveMonitoringTests {
    @Test("Every chart of /dashboard draws data points in headless Chromium, and a screenshot is saved",
          .enabled(if: HeadlessChromium.path != nil || HeadlessChromium.isCI, HeadlessChromium.skipReason))
    func dashboardInBrowser() async throws {
        _ = try #require(HeadlessChromium.path, "CI=true: chromium must be installed (scripts/setup.sh --tests)")
        let dev = try Self.dev
        try await Task.sleep(for: .seconds(2))  // a few seconds of series

        let url = dev.url + "/dashboard"
        let dom = try await onThread { try HeadlessChromium.run(url, ["--virtual-time-budget=5000", "--dump-dom"]) }
        #expect(dom.status == 0, "chromium: \(dom.error.suffix(500))")
        let points = Self.chartPoints(dom.output)
        for chart in ["throughput", "latency", "batch", "dlq", "lag", "inflight", "psi-fraud-v7"] {
            #expect((points[chart] ?? 0) > 0, "chart \(chart) has data points: \(points)")
        }
        #expect(dom.output.contains(dev.workerIDSuffix), "the workers table lists the dev worker")
        #expect(dom.output.contains("unsupported operator Foo"), "the events table lists the synthetic event")

        let artifacts = repositoryRoot.appendingPathComponent(".build/test-artifacts")
        try FileManager.default.createDirectory(at: artifacts, withIntermediateDirectories: true)
        let screenshot = artifacts.appendingPathComponent("dashboard.png")
        try? FileManager.default.removeItem(at: screenshot)
        let shot = try await onThread {
            try HeadlessChromium.run(url, ["--virtual-time-budget=5000", "--window-size=1400,1800", "--hide-scrollbars",
                                           "--screenshot=\(screenshot.path)"])
        }
        #expect(shot.status == 0, "chromium: \(shot.error.suffix(500))")
        let png = try Data(contentsOf: screenshot)
        #expect(png.starts(with: [0x89, 0x50, 0x4E, 0x47]) && png.count > 20_000, "a real PNG screenshot")
        print("dashboard screenshot: \(screenshot.path)")
    }

    /// `data-chart` name → `data-points` count, from the dumped DOM.
    static func chartPoints(_ dom: String) -> [String: Int] {
        let regex = try! NSRegularExpression(pattern: #"data-chart="([^"]+)" data-points="(\d+)""#)
        var out: [String: Int] = [:]
        for match in regex.matches(in: dom, range: NSRange(dom.startIndex..., in: dom)) {
            guard let name = Range(match.range(at: 1), in: dom), let count = Range(match.range(at: 2), in: dom) else { continue }
            out[String(dom[name])] = Int(dom[count])
        }
        return out
    }
}
