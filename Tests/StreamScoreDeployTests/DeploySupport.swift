import Foundation
import Yams

// MARK: - What the CLI accepts

/// The `STREAMSCORE_*` variables each subcommand reads. Every flag `--x-y` of a subcommand also
/// reads `STREAMSCORE_X_Y`, so these lists mirror the CLI's flags; `CLIHelpTests` checks them
/// against `streamscore <cmd> --help` whenever the built binary has the subcommand.
/// (To be replaced by parsing the help output once `worker` and `gateway` always exist.)
enum AcceptedEnvironment {
    static let worker: Set<String> = [
        "STREAMSCORE_BROKERS", "STREAMSCORE_GROUP", "STREAMSCORE_INPUT_TOPIC", "STREAMSCORE_OUTPUT_TOPIC",
        "STREAMSCORE_METRICS_TOPIC", "STREAMSCORE_DLQ_TOPIC", "STREAMSCORE_MODELS", "STREAMSCORE_DEFAULT_MODEL",
        "STREAMSCORE_MAX_BATCH_ROWS", "STREAMSCORE_MAX_BATCH_DELAY_MS", "STREAMSCORE_LANES",
        "STREAMSCORE_MAX_INFLIGHT_ROWS", "STREAMSCORE_METRICS_INTERVAL_MS", "STREAMSCORE_HTTP_PORT",
        "STREAMSCORE_KAFKA", "STREAMSCORE_LOG_LEVEL", "STREAMSCORE_MAX_RECORD_BYTES",
        "STREAMSCORE_SHUTDOWN_TIMEOUT_MS",
    ]
    static let gateway: Set<String> = [
        "STREAMSCORE_BROKERS", "STREAMSCORE_HOST", "STREAMSCORE_PORT", "STREAMSCORE_INPUT_TOPIC",
        "STREAMSCORE_REPLY_TOPIC", "STREAMSCORE_TIMEOUT_MS", "STREAMSCORE_MAX_BODY_BYTES",
        "STREAMSCORE_MAX_PENDING", "STREAMSCORE_AUTH_TOKEN", "STREAMSCORE_MODELS", "STREAMSCORE_KAFKA",
        "STREAMSCORE_LOG_LEVEL",
    ]

    static func accepted(by component: Component) -> Set<String> {
        component == .worker ? worker : gateway
    }

    /// `STREAMSCORE_MAX_BATCH_ROWS` → `--max-batch-rows`.
    static func flag(for variable: String) -> String {
        "--" + variable.dropFirst("STREAMSCORE_".count).lowercased().replacingOccurrences(of: "_", with: "-")
    }
}

enum Component: String, Sendable, CaseIterable {
    case worker, gateway
}

/// The documented defaults (DESIGN.md) that the deployment files must agree with.
enum Documented {
    /// Topic → partition count.
    static let topics: [String: Int] = [
        "features": 6, "predictions": 6, "streamscore.replies": 6, "inference-metrics": 1,
        "features.dlq": 1, "predictions.shadow": 6, "streamscore.control": 1, "labels": 6,
    ]
    static let consumerGroup = "streamscore-workers"
    static let workerMetricsPort = 9100
    static let gatewayPort = 8080
    /// Variables whose value, when set, must equal the CLI default.
    static let workerValues: [String: String] = [
        "STREAMSCORE_GROUP": consumerGroup,
        "STREAMSCORE_INPUT_TOPIC": "features",
        "STREAMSCORE_OUTPUT_TOPIC": "predictions",
        "STREAMSCORE_METRICS_TOPIC": "inference-metrics",
        "STREAMSCORE_DLQ_TOPIC": "features.dlq",
        "STREAMSCORE_DEFAULT_MODEL": "iris",
        "STREAMSCORE_HTTP_PORT": "\(workerMetricsPort)",
    ]
    static let gatewayValues: [String: String] = [
        "STREAMSCORE_INPUT_TOPIC": "features",
        "STREAMSCORE_REPLY_TOPIC": "streamscore.replies",
        "STREAMSCORE_PORT": "\(gatewayPort)",
        "STREAMSCORE_HOST": "0.0.0.0",
    ]
    static func values(for component: Component) -> [String: String] {
        component == .worker ? workerValues : gatewayValues
    }
}

// MARK: - Files

enum Repo {
    /// The repository root: the nearest ancestor of this file that holds Compose/docker-compose.yml
    /// (symlinks resolved, so a dev package that links this folder finds the real repository).
    static let root: URL = {
        let here = URL(fileURLWithPath: #filePath)
        for start in [here.resolvingSymlinksInPath(), here] {
            var dir = start.deletingLastPathComponent()
            while dir.path != "/" {
                if FileManager.default.fileExists(atPath: dir.appendingPathComponent("Compose/docker-compose.yml").path) {
                    return dir
                }
                dir = dir.deletingLastPathComponent()
            }
        }
        // Tests/StreamScoreDeployTests/<file> → the repository root.
        return here.deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    }()

    static func url(_ relative: String) -> URL { root.appendingPathComponent(relative) }

    static func text(_ relative: String) throws -> String {
        try String(contentsOf: url(relative), encoding: .utf8)
    }

    static func exists(_ relative: String) -> Bool {
        FileManager.default.fileExists(atPath: url(relative).path)
    }
}

// MARK: - Parsed documents

/// A parsed YAML or JSON value with forgiving accessors: a missing key or index gives a value
/// whose `raw` is nil, so checks read as paths and report what is missing.
struct Node {
    let raw: Any?

    init(_ raw: Any?) { self.raw = raw is NSNull ? nil : raw }

    static func yaml(_ text: String) throws -> Node { Node(try Yams.load(yaml: text)) }

    /// Every document of a multi-document YAML stream (empty documents dropped).
    static func yamlDocuments(_ text: String) throws -> [Node] {
        var sequence = try Yams.load_all(yaml: text)
        var documents: [Node] = []
        while let document = sequence.next() {
            let node = Node(document)
            if node.exists { documents.append(node) }
        }
        if let error = sequence.error { throw error }
        return documents
    }

    static func json(_ data: Data) throws -> Node { Node(try JSONSerialization.jsonObject(with: data)) }

    var exists: Bool { raw != nil }

    var dictionary: [String: Node]? {
        if let d = raw as? [String: Any] { return d.mapValues { Node($0) } }
        if let d = raw as? [AnyHashable: Any] {
            var result: [String: Node] = [:]
            for (key, value) in d { result[(key.base as? String) ?? "\(key.base)"] = Node(value) }
            return result
        }
        return nil
    }

    var array: [Node]? { (raw as? [Any]).map { $0.map { Node($0) } } }
    var items: [Node] { array ?? [] }
    var keys: [String] { dictionary.map { Array($0.keys).sorted() } ?? [] }

    subscript(key: String) -> Node { dictionary?[key] ?? Node(nil) }
    subscript(index: Int) -> Node {
        guard let a = array, a.indices.contains(index) else { return Node(nil) }
        return a[index]
    }

    /// A string scalar only (a YAML `8080` is an Int, not a String).
    var string: String? { raw as? String }

    /// Any scalar as text: strings, numbers and booleans.
    var text: String? {
        switch raw {
        case let s as String: return s
        case let b as Bool: return b ? "true" : "false"
        case let i as Int: return String(i)
        case let d as Double: return d == d.rounded() && abs(d) < 1e15 ? String(Int(d)) : String(d)
        case let n as NSNumber: return n.stringValue
        default: return nil
        }
    }

    var int: Int? {
        if let i = raw as? Int { return i }
        if let s = raw as? String { return Int(s) }
        if let d = raw as? Double, d == d.rounded() { return Int(d) }
        return nil
    }

    var double: Double? {
        if let d = raw as? Double { return d }
        if let i = raw as? Int { return Double(i) }
        if let s = raw as? String { return Double(s) }
        return nil
    }

    /// A scalar or a list of scalars, as strings (e.g. a compose `command`).
    var strings: [String] {
        if let t = text { return [t] }
        return items.compactMap(\.text)
    }

    /// Every value in this tree, depth first, with its key path.
    func walk(_ path: String = "", _ visit: (String, Node) -> Void) {
        visit(path, self)
        if let d = dictionary {
            for key in d.keys.sorted() { d[key]!.walk(path + "." + key, visit) }
        } else if let a = array {
            for (i, item) in a.enumerated() { item.walk(path + "[\(i)]", visit) }
        }
    }
}

/// Docker Compose variable interpolation with an empty environment: `${X:-d}` and `${X-d}` give
/// `d`, `${X}` and `$X` give "", `$$` gives `$`.
func composeInterpolate(_ value: String) -> String {
    var out = ""
    var i = value.startIndex
    while i < value.endIndex {
        let c = value[i]
        guard c == "$" else { out.append(c); i = value.index(after: i); continue }
        let next = value.index(after: i)
        if next < value.endIndex, value[next] == "$" { out.append("$"); i = value.index(after: next); continue }
        if next < value.endIndex, value[next] == "{", let close = value[next...].firstIndex(of: "}") {
            let body = value[value.index(after: next)..<close]
            if let range = body.range(of: ":-") ?? body.range(of: "-") {
                out += body[range.upperBound...]
            }
            i = value.index(after: close)
            continue
        }
        var j = next
        while j < value.endIndex, value[j].isLetter || value[j].isNumber || value[j] == "_" { j = value.index(after: j) }
        i = j
    }
    return out
}

// MARK: - Processes

struct ProcessResult: Sendable {
    var status: Int32
    var output: String
}

/// Runs a program to completion (stdout and stderr together), killing it after `timeout`.
func runProgram(_ executable: String, _ arguments: [String], timeout: TimeInterval = 60) throws -> ProcessResult {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: executable)
    process.arguments = arguments
    let pipe = Pipe()
    process.standardOutput = pipe
    process.standardError = pipe
    process.standardInput = FileHandle.nullDevice
    try process.run()
    let reader = PipeReader(pipe.fileHandleForReading)
    let deadline = Date().addingTimeInterval(timeout)
    while process.isRunning, Date() < deadline { usleep(10_000) }
    if process.isRunning { process.terminate() }
    process.waitUntilExit()
    return ProcessResult(status: process.terminationStatus, output: reader.finish())
}

/// Drains a pipe on a background thread so a chatty child never blocks on a full pipe.
private final class PipeReader: @unchecked Sendable {
    private let handle: FileHandle
    private let done = DispatchSemaphore(value: 0)
    private var data = Data()

    init(_ handle: FileHandle) {
        self.handle = handle
        DispatchQueue.global().async {
            self.data = handle.readDataToEndOfFile()
            self.done.signal()
        }
    }

    func finish() -> String {
        done.wait()
        return String(decoding: data, as: UTF8.self)
    }
}

/// The absolute path of a program on PATH, if any.
func findOnPath(_ name: String) -> String? {
    for dir in (ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin").split(separator: ":") {
        let path = "\(dir)/\(name)"
        if FileManager.default.isExecutableFile(atPath: path) { return path }
    }
    return nil
}

/// A fresh temporary directory, removed by the caller.
func makeTemporaryDirectory() throws -> URL {
    let url = FileManager.default.temporaryDirectory
        .appendingPathComponent("streamscore-deploy-tests-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    return url
}

// MARK: - Mutations (to show that each check can fail)

/// A deliberate breakage of one deployment file: replace `original` (which must occur in the file)
/// by `replacement` (its first occurrence, or all of them), and expect a check to report a problem.
struct Mutation: Sendable, CustomStringConvertible {
    var description: String
    var file: String
    var original: String
    var replacement: String
    var everywhere: Bool

    init(_ description: String, file: String = "", _ original: String, _ replacement: String, everywhere: Bool = false) {
        self.description = description
        self.file = file
        self.original = original
        self.replacement = replacement
        self.everywhere = everywhere
    }

    /// The mutated text, or nil when `original` doesn't occur (a stale mutation).
    func apply(to text: String) -> String? {
        guard let range = text.range(of: original) else { return nil }
        if everywhere { return text.replacingOccurrences(of: original, with: replacement) }
        return text.replacingCharacters(in: range, with: replacement)
    }
}
