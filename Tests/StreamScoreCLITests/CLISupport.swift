import Foundation

/// The `streamscore` executable built next to this test bundle.
func streamscoreExecutable() throws -> URL {
    var directory = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent()
    for _ in 0..<3 {
        let candidate = directory.appendingPathComponent("streamscore")
        if FileManager.default.isExecutableFile(atPath: candidate.path) { return candidate }
        directory = directory.deletingLastPathComponent()
    }
    throw CLIError("streamscore binary not found near \(CommandLine.arguments[0])")
}

struct CLIError: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}

/// A child process whose stdout lines can be read as they come.
final class ChildProcess: @unchecked Sendable {
    let process = Process()
    private let stdout = Pipe()
    private let stderr = Pipe()
    private var buffered = Data()

    init(_ executable: URL, _ arguments: [String], environment: [String: String] = [:]) throws {
        process.executableURL = executable
        process.arguments = arguments
        var env = ProcessInfo.processInfo.environment
        env.merge(environment) { _, new in new }
        process.environment = env
        process.standardOutput = stdout
        process.standardError = stderr
        try process.run()
    }

    /// Reads one line from stdout, waiting up to `timeout`.
    func readLine(timeout: Duration = .seconds(20)) throws -> String {
        let deadline = ContinuousClock.now + timeout
        while ContinuousClock.now < deadline {
            if let newline = buffered.firstIndex(of: UInt8(ascii: "\n")) {
                let line = String(decoding: buffered[..<newline], as: UTF8.self)
                buffered = Data(buffered[(newline + 1)...])
                return line
            }
            let chunk = stdout.fileHandleForReading.availableData
            if chunk.isEmpty { break }
            buffered.append(chunk)
        }
        throw CLIError("no line from \(process.executableURL!.lastPathComponent) within \(timeout)")
    }

    /// Sends a signal and waits for exit, killing after `timeout`. Returns the exit status.
    func stop(signal: Int32 = SIGINT, timeout: Duration = .seconds(15)) -> Int32 {
        guard process.isRunning else { return process.terminationStatus }
        kill(process.processIdentifier, signal)
        let deadline = ContinuousClock.now + timeout
        while process.isRunning, ContinuousClock.now < deadline { usleep(20_000) }
        if process.isRunning {
            kill(process.processIdentifier, SIGKILL)
            process.waitUntilExit()
            return -1
        }
        return process.terminationStatus
    }

    deinit { if process.isRunning { kill(process.processIdentifier, SIGKILL) } }
}

/// Runs a command to completion with optional stdin, returning (status, stdout).
@discardableResult
func run(_ executable: String, _ arguments: [String], stdin: Data? = nil, timeout: Duration = .seconds(60)) throws
    -> (status: Int32, output: String, error: String) {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: executable)
    process.arguments = arguments
    let out = Pipe()
    let err = Pipe()
    let input = Pipe()
    process.standardOutput = out
    process.standardError = err
    process.standardInput = input
    try process.run()
    if let stdin { input.fileHandleForWriting.write(stdin) }
    try input.fileHandleForWriting.close()
    let group = DispatchGroup()
    nonisolated(unsafe) var outData = Data()
    nonisolated(unsafe) var errData = Data()
    group.enter()
    DispatchQueue.global().async { outData = out.fileHandleForReading.readDataToEndOfFile(); group.leave() }
    group.enter()
    DispatchQueue.global().async { errData = err.fileHandleForReading.readDataToEndOfFile(); group.leave() }
    let deadline = ContinuousClock.now + timeout
    while process.isRunning, ContinuousClock.now < deadline { usleep(20_000) }
    if process.isRunning { process.terminate() }
    process.waitUntilExit()
    group.wait()
    return (process.terminationStatus, String(decoding: outData, as: UTF8.self), String(decoding: errData, as: UTF8.self))
}

/// The absolute path of a program on PATH.
func which(_ name: String) -> String? {
    for dir in (ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin").split(separator: ":") {
        let path = "\(dir)/\(name)"
        if FileManager.default.isExecutableFile(atPath: path) { return path }
    }
    return nil
}

/// The repository root, from this file's location.
let repositoryRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
    .deletingLastPathComponent()

/// A TCP port on 127.0.0.1 that was free a moment ago (bound to port 0, then released).
func freeTCPPort() throws -> Int {
    let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
    guard fd >= 0 else { throw CLIError("socket() failed") }
    defer { close(fd) }
    var address = sockaddr_in()
    address.sin_family = sa_family_t(AF_INET)
    address.sin_addr.s_addr = inet_addr("127.0.0.1")
    var length = socklen_t(MemoryLayout<sockaddr_in>.size)
    let bound = withUnsafeMutablePointer(to: &address) {
        $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { pointer in
            bind(fd, pointer, length) == 0 && getsockname(fd, pointer, &length) == 0
        }
    }
    guard bound else { throw CLIError("cannot bind a free port") }
    return Int(UInt16(bigEndian: address.sin_port))
}

/// Runs blocking work (child processes, pipes) on its own thread, off Swift's cooperative pool.
func onThread<T: Sendable>(_ body: @escaping @Sendable () throws -> T) async throws -> T {
    try await withCheckedThrowingContinuation { continuation in
        Thread { continuation.resume(with: Result { try body() }) }.start()
    }
}

/// `streamscore dev --demo RATE` on free ports, once its worker scores records.
struct DevStack: Sendable {
    let process: ChildProcess
    let port: Int
    let bootstrap: String

    var url: String { "http://127.0.0.1:\(port)" }
    /// The dev worker's id: `hostname-pid`, as the worker names itself.
    var workerIDSuffix: String { "-\(process.process.processIdentifier)" }

    /// - Parameter niceness: runs the stack at a lower CPU priority (through `nice`, which execs it,
    ///   so the process id stays the stack's), leaving the machine to timing-sensitive suites.
    init(demo: Int, niceness: Int = 10) throws {
        port = try freeTCPPort()
        process = try ChildProcess(URL(fileURLWithPath: "/usr/bin/nice"),
                                   ["-n", "\(niceness)", try streamscoreExecutable().path,
                                    "dev", "--demo", "\(demo)", "--port", "\(port)", "--kafka-port", "0",
                                    "--models", repositoryRoot.appendingPathComponent("Models").path])
        var banner: [String] = []
        while banner.last?.contains("Ctrl-C") != true { banner.append(try process.readLine(timeout: .seconds(60))) }
        guard let line = banner.first(where: { $0.contains("bootstrap") }) else { throw CLIError("no bootstrap line: \(banner)") }
        bootstrap = String(line.split(separator: " ")[1])
        // The first status line with output means the worker is scoring and producing metrics.
        let deadline = ContinuousClock.now + .seconds(60)
        while ContinuousClock.now < deadline {
            let status = try process.readLine(timeout: .seconds(30))
            if status.hasPrefix("in "), let out = status.split(separator: "out").last?.split(separator: "/").first,
               let rate = Double(out.trimmingCharacters(in: .whitespaces)), rate > 0 { return }
        }
        throw CLIError("the dev stack did not start scoring within 60 s")
    }

    /// Produces `key:value` lines to a topic of the dev broker with kcat.
    func produce(topic: String, _ lines: [String]) throws {
        guard let kcat = which("kcat") else { throw CLIError("kcat is not installed (scripts/setup.sh --tests installs it)") }
        let result = try run(kcat, ["-P", "-b", bootstrap, "-t", topic, "-K:"],
                             stdin: Data((lines.joined(separator: "\n") + "\n").utf8), timeout: .seconds(30))
        guard result.status == 0 else { throw CLIError("kcat failed: \(result.error)") }
    }
}

/// Synthetic metrics-topic records: `count` drift windows of a model `fraud` version 7 (which no
/// real worker serves, so real drift records never replace them), ten seconds apart and ending
/// now, where `amount` and `merchant_risk` drift past the threshold 0.2, and a few model events.
func syntheticDriftAndEvents(worker: String, count: Int = 8) -> [String] {
    let now = Int64(Date().timeIntervalSince1970 * 1000)
    func json(_ object: [String: Any]) -> String {
        String(decoding: try! JSONSerialization.data(withJSONObject: object, options: [.sortedKeys]), as: UTF8.self)
    }
    var lines: [String] = []
    for i in 0..<count {
        let end = now - Int64(count - 1 - i) * 10_000
        let growth = Double(i) / Double(max(1, count - 1))
        let psi = ["hour": 0.02, "distance": 0.03, "amount": 0.05 + 0.5 * growth, "merchant_risk": 0.04 + 0.3 * growth]
        lines.append(worker + ":" + json([
            "kind": "drift", "worker": worker, "model": "fraud", "version": "7", "window_start_ms": end - 10_000,
            "window_end_ms": end, "rows": 2000, "threshold": 0.2, "psi": psi, "drifted": psi.mapValues { $0 > 0.2 },
            "missing_fraction": psi.mapValues { _ in 0.0 }, "prediction_psi": 0.01 + 0.1 * growth,
            "prediction_distribution": ["legit": 0.9, "fraud": 0.1],
            "baseline_prediction_distribution": ["legit": 0.97, "fraud": 0.03],
        ]))
    }
    let events: [(String, String, String)] = [
        ("loaded", "7", "passed validation against the card's sample rows"),
        ("control", "7", "canary 7 at 10%"),
        ("refused", "8", "model.onnx: unsupported operator Foo"),
    ]
    for (i, (event, version, reason)) in events.enumerated() {
        lines.append(worker + ":" + json([
            "kind": "model-event", "worker": worker, "time_ms": now - 20_000 + Int64(i) * 5000, "model": "fraud",
            "version": version, "event": event, "reason": reason, "serving": "6",
        ]))
    }
    return lines
}
