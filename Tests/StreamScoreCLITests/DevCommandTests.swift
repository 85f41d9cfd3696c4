import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif
import Testing

/// POSTs JSON and returns (status, body).
func post(_ url: String, _ body: String) throws -> (Int, String) {
    var request = URLRequest(url: URL(string: url)!)
    request.httpMethod = "POST"
    request.setValue("application/json", forHTTPHeaderField: "content-type")
    request.httpBody = Data(body.utf8)
    let done = DispatchSemaphore(value: 0)
    nonisolated(unsafe) var result: (Int, String)?
    URLSession.shared.dataTask(with: request) { data, response, _ in
        result = ((response as? HTTPURLResponse)?.statusCode ?? 0, String(decoding: data ?? Data(), as: UTF8.self))
        done.signal()
    }.resume()
    guard done.wait(timeout: .now() + 15) == .success, let result else { throw CLIError("no HTTP answer from \(url)") }
    return result
}

@Suite("streamscore dev", .serialized)
struct DevCommandTests {
    @Test("Starts, answers /predict and V2, scores a kcat record, shows demo status, stops on SIGINT with 0")
    func devStack() throws {
        let kcat = try #require(which("kcat"))
        let port = 20_000 + Int.random(in: 0..<20_000)
        let dev = try ChildProcess(try streamscoreExecutable(),
                                   ["dev", "--demo", "300", "--port", "\(port)", "--kafka-port", "0",
                                    "--models", repositoryRoot.appendingPathComponent("Models").path])
        var banner: [String] = []
        while banner.last?.contains("Ctrl-C") != true { banner.append(try dev.readLine(timeout: .seconds(60))) }
        let bootstrapLine = try #require(banner.first { $0.contains("bootstrap") })
        let bootstrap = String(bootstrapLine.split(separator: " ")[1])
        #expect(banner.contains { $0.contains("http://127.0.0.1:\(port)") })
        #expect(banner.contains { $0.contains("curl") && $0.contains("/predict") })

        // Wait for readiness: the first status line with output means the worker is scoring.
        var status: [String] = []
        let deadline = ContinuousClock.now + .seconds(60)
        while ContinuousClock.now < deadline {
            let line = try dev.readLine(timeout: .seconds(30))
            status.append(line)
            if line.hasPrefix("in "), let out = line.split(separator: "out").last?.split(separator: "/").first,
               let rate = Double(out.trimmingCharacters(in: .whitespaces)), rate > 0 { break }
        }
        #expect(status.last?.hasPrefix("in ") == true, "status lines show non-zero throughput: \(status.suffix(3))")

        let (code, body) = try post("http://127.0.0.1:\(port)/predict", #"{"data": [[5.1, 3.5, 1.4, 0.2], [6.7, 3.1, 4.4, 1.4]]}"#)
        #expect(code == 200)
        #expect(body.contains(#""result":[0,1]"#), "\(body)")
        let (v2code, v2body) = try post("http://127.0.0.1:\(port)/v2/models/iris/infer",
                                        #"{"inputs":[{"name":"input","shape":[1,4],"datatype":"FP32","data":[6.3,3.3,6.0,2.5]}]}"#)
        #expect(v2code == 200)
        #expect(v2body.contains(#""data":[2]"#), "\(v2body)")

        let produced = try run(kcat, ["-P", "-b", bootstrap, "-t", "features", "-K:"],
                               stdin: Data(#"kcat-1:{"id":"kcat-1","features":[6.7,3.1,4.4,1.4]}"#.utf8 + [10]))
        #expect(produced.status == 0)
        var found = false
        let until = ContinuousClock.now + .seconds(30)
        while !found, ContinuousClock.now < until {
            let out = try run(kcat, ["-b", bootstrap, "-C", "-t", "predictions", "-o", "beginning", "-e", "-q"])
            found = out.output.split(separator: "\n").contains { $0.contains(#""id":"kcat-1""#) && $0.contains(#""label":"versicolor""#) }
        }
        #expect(found, "the kcat record's prediction is on predictions")
        #expect(dev.stop(signal: SIGINT, timeout: .seconds(20)) == 0)
    }
}
