import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif
import Testing

/// A shell block of the README marked `<!-- tested: expect TEXT -->`.
struct ReadmeBlock: CustomStringConvertible, Sendable {
    var script: String
    var expect: String
    var description: String { String(script.split(separator: "\n").first ?? "") }

    /// Every tested block, in README order.
    static func all() throws -> [ReadmeBlock] {
        let text = try String(contentsOf: repositoryRoot.appendingPathComponent("README.md"), encoding: .utf8)
        var blocks: [ReadmeBlock] = []
        var lines = text.split(separator: "\n", omittingEmptySubsequences: false).makeIterator()
        while let line = lines.next() {
            guard line.hasPrefix("<!-- tested: expect "), line.hasSuffix(" -->") else { continue }
            let expect = String(line.dropFirst("<!-- tested: expect ".count).dropLast(" -->".count))
            guard let fence = lines.next(), fence.hasPrefix("```") else { continue }
            var body: [Substring] = []
            while let l = lines.next(), !l.hasPrefix("```") { body.append(l) }
            blocks.append(ReadmeBlock(script: body.joined(separator: "\n"), expect: expect))
        }
        return blocks
    }
}

@Suite("README commands run against streamscore dev", .serialized)
struct ReadmeCommandsTests {
    @Test("Every tested README block succeeds and prints what it promises")
    func readmeBlocks() throws {
        let blocks = try ReadmeBlock.all()
        #expect(blocks.count >= 3, "the README marks its tour commands as tested")
        try #require(which("curl") != nil && which("kcat") != nil, "curl and kcat are installed by scripts/setup.sh")
        // The README's commands use the default ports, as `make run` does.
        let dev = try ChildProcess(try streamscoreExecutable(),
                                   ["dev", "--models", repositoryRoot.appendingPathComponent("Models").path])
        defer { _ = dev.stop() }
        var banner: [String] = []
        while banner.last?.contains("Ctrl-C") != true { banner.append(try dev.readLine(timeout: .seconds(60))) }
        // The gateway answers once it owns a reply partition and the worker has joined.
        let ready = ContinuousClock.now + .seconds(60)
        while ContinuousClock.now < ready {
            if let (status, _) = try? get("http://127.0.0.1:8080/v2/health/ready"), status == 200 { break }
            Thread.sleep(forTimeInterval: 0.2)
        }
        for block in blocks {
            let result = try run("/bin/bash", ["-euo", "pipefail", "-c", block.script], timeout: .seconds(60))
            #expect(result.status == 0, "README block '\(block)' failed: \(result.error)")
            #expect(result.output.contains(block.expect), "README block '\(block)' printed: \(result.output.prefix(300))")
        }
        #expect(dev.stop(signal: SIGINT, timeout: .seconds(20)) == 0)
    }
}

/// GETs a URL and returns (status, body).
func get(_ url: String) throws -> (Int, String) {
    let done = DispatchSemaphore(value: 0)
    nonisolated(unsafe) var result: (Int, String)?
    URLSession.shared.dataTask(with: URL(string: url)!) { data, response, _ in
        result = ((response as? HTTPURLResponse)?.statusCode ?? 0, String(decoding: data ?? Data(), as: UTF8.self))
        done.signal()
    }.resume()
    guard done.wait(timeout: .now() + 10) == .success, let result else { throw CLIError("no HTTP answer from \(url)") }
    return result
}
